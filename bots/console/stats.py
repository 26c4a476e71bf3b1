"""The console's stats page (``/stats``, ``/stats/N``): what readers did with an issue.

Sections × platforms (delivered, opened, asked, pages), the trend over the last issues,
the top searches and those that found nothing, and friends over time. The charts are drawn
in the browser by Chart.js, served from the console itself (``static/vendor``); every
number is also in a table, and the charts tell their series apart by pattern and label,
not by colour alone. A number a platform cannot know says so, never 0.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from bots import registry
from bots.console.app import Console
from bots.stats_reports import issue_report, recent_trend, stats_source
from core.stats.report import IssueReach
from core.storage import IssueRepository

FRIEND_DAYS = 90


async def stats_page(console: Console, request: Request) -> Response:
    """The stats of one issue (``/stats/N``) or of the latest (``/stats``)."""
    services = console.services
    issues = IssueRepository(services.db, clock=services.clock)
    now = services.clock.now()
    number = request.path_params.get("number")
    stored = await (issues.get(number) if number is not None else issues.latest(now))
    if stored is None:
        if number is None:
            return console.message(
                request, 404, "No issue yet", "Reading stats appear here once an issue is out."
            )
        return console.message(request, 404, "No such issue", f"There is no issue {number}.")
    report = await issue_report(services, stored, since=None)
    trend = await recent_trend(services, stored)
    today = now.astimezone(console.profile.timezone).date()
    friends = await stats_source(services).followers(today - timedelta(days=FRIEND_DAYS), None)
    recent = [s.number for s in await issues.recent(12, now)]
    contracts = [registry.platform(name) for name in report.reach]
    names = {contract.name: contract.title for contract in contracts}
    chart = {
        "platforms": list(names.values()),
        "sections": [
            {
                "title": section.title,
                "platforms": {
                    names[name]: counts.as_json() for name, counts in section.platforms.items()
                },
            }
            for section in report.sections
        ],
        "trend": [
            {
                "issue": f"#{totals.number}",
                "reads": {names[name]: found.reads for name, found in totals.reads.items()},
            }
            for totals in trend
        ],
        "friends": [
            {
                "date": day.day.isoformat(),
                "follows": day.follows,
                "unfollows": day.unfollows,
                "friends": day.friends,
            }
            for day in friends
        ],
    }
    return console.page(
        request,
        "stats.html",
        nav="stats",
        report=report,
        names=names,
        platform_keys=list(names),
        chart=chart,
        friends=friends,
        recent=recent,
        counting=services.stats.enabled,
        keep_days=services.stats.keep_days,
        reach=_reach_lines(report.reach),
        # What each platform counts as delivered and as opened, in its own words.
        delivered_means=[c.delivered_means for c in contracts if c.delivered_means],
        opened_means=[c.opened_means for c in contracts if c.opened_means],
    )


def _reach_lines(reach: dict[str, IssueReach]) -> list[tuple[str, str]]:
    """What each platform says about the issue as a whole, in words."""
    lines = []
    for name, found in reach.items():
        platform = registry.platform(name)
        said = f"digest asked for {found.asked:,}, opened by a button {found.opened:,}"
        own = platform.reach(found.insight)
        lines.append((platform.title, f"{said}. {own}." if own else said))
    return lines
