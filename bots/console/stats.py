"""The console's stats page (``/stats``, ``/stats/N``): what readers did with an issue.

Sections × platforms (delivered, opened, asked, pages), the trend over the last issues,
the top searches and those that found nothing, and friends over time. The charts are drawn
in the browser by Chart.js, served from the console itself (``static/vendor``); every
number is also in a table, and the charts tell their series apart by pattern and label,
not by colour alone. A number a platform cannot know says so, never 0.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bots.console.app import Console
from bots.stats_reports import issue_report, recent_trend, stats_source
from core.stats.report import PLATFORMS
from core.storage import IssueRepository

FRIEND_DAYS = 90
NAMES = {"slack": "Slack", "line": "LINE"}


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
    chart = {
        "platforms": [NAMES[name] for name in PLATFORMS],
        "sections": [
            {
                "title": section.title,
                "platforms": {NAMES[name]: section.platforms[name].as_json() for name in PLATFORMS},
            }
            for section in report.sections
        ],
        "trend": [
            {
                "issue": f"#{totals.number}",
                "reads": {NAMES[name]: totals.reads[name].reads for name in PLATFORMS},
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
        names=NAMES,
        platform_keys=PLATFORMS,
        chart=chart,
        friends=friends,
        recent=recent,
        counting=services.stats.enabled,
        keep_days=services.stats.keep_days,
        reach=_reach_lines(report.reach),
    )


def _reach_lines(reach: dict[str, Any]) -> list[tuple[str, str]]:
    """What each platform says about the issue as a whole, in words."""
    lines = []
    for name in PLATFORMS:
        found = reach[name]
        said = f"digest asked for {found.asked:,}, opened by a button {found.opened:,}"
        insight = found.insight
        if name == "slack":
            said += ". Slack has no read receipts: who saw a digest in a channel is not known."
        elif insight is None:
            said += ". LINE's own numbers: none (the issue went out by no broadcast)."
        elif insight.fetched < insight.requests:
            said += ". LINE's own numbers come a day after a broadcast: not fetched yet."
        else:
            said += (
                f". LINE reports: {_n(insight.delivered)} delivered, "
                f"{_n(insight.unique_impressions)} opened it, "
                f"{_n(insight.unique_clicks)} opened a link"
                " (LINE gives no opens below 20 people)."
            )
        lines.append((NAMES[name], said))
    return lines


def _n(value: int | None) -> str:
    return "not known" if value is None else f"{value:,}"
