"""``haishin stats [ISSUE] [--json] [--since DATE]``: what readers did with an issue.

Per section and platform: deliveries, sections opened by a button, asked for in words,
and pages read past the first; the issue's own numbers (LINE's impressions and clicks);
the top searches and those that found nothing; friends gained and lost. A number the
platform cannot know is shown as "—" (``null`` in JSON), never as 0.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bots.cli.common import async_command, console, fail, services, show_table

if TYPE_CHECKING:
    from core.stats.report import Report

UNKNOWN = "—"


def register(app: typer.Typer) -> None:
    """Add ``stats`` to the CLI."""
    app.command()(stats)


@async_command
async def stats(
    issue: Annotated[str, typer.Argument(help="number, date or latest")] = "latest",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    since: Annotated[
        str | None, typer.Option(help="count only from this day on (2025-10-04)")
    ] = None,
) -> None:
    """Reading stats per section and platform, searches, friends gained and lost."""
    from bots.cli.lookups import stored_issue
    from bots.stats_reports import issue_report

    first_day: date | None = None
    if since is not None:
        try:
            first_day = date.fromisoformat(since.strip())
        except ValueError:
            fail(f"--since {since!r} is not a date; write it as 2025-10-04")
    async with services() as svc:
        stored = await stored_issue(svc, issue)
        report = await issue_report(svc, stored, since=first_day)
        counting = svc.stats.enabled
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
        return
    _show(report, counting)


def _n(value: int | None) -> str:
    return UNKNOWN if value is None else f"{value:,}"


def _show(report: Report, counting: bool) -> None:
    from bots import registry

    titles = {name: registry.platform(name).title for name in report.reach}
    issue = report.issue
    heading = f"#{issue.number} {issue.title or ''} ({issue.date or 'no date'})".strip()
    if not counting:
        console.print("[yellow]Reading stats are off (stats_days = 0 in the profile).[/]")
    table = Table(title=escape(heading), title_justify="left")
    for column in ("section", "platform", "delivered", "opened", "asked", "pages"):
        table.add_column(column, justify="left" if column in ("section", "platform") else "right")
    for section in report.sections:
        for index, (name, c) in enumerate(section.platforms.items()):
            table.add_row(
                escape(section.title) if index == 0 else "",
                titles[name],
                _n(c.delivered),
                _n(c.opened),
                _n(c.asked),
                _n(c.pages),
                end_section=index == len(section.platforms) - 1,
            )
    show_table(table)
    lines = []
    for name, reach in report.reach.items():
        line = (
            f"{titles[name]}: the issue itself opened {reach.opened:,}, asked for {reach.asked:,}"
        )
        own = registry.platform(name).reach(reach.insight)
        if own:
            line += f"; {own}"
        lines.append(line)
    console.print("\n".join(lines), highlight=False)
    console.print(
        f"[dim]{UNKNOWN}: not known (LINE says how many a broadcast reached a day later)[/]"
    )
    period = f"{report.start or 'the start'} to {report.end or 'now'}"
    for title, found in (
        (f"top searches, {period}", report.searches),
        (f"searches that found nothing, {period}", report.zero_hit),
    ):
        if not found:
            console.print(f"{title}: none")
            continue
        searches = Table("query", "count", "hits", title=title, title_justify="left")
        for s in found:
            searches.add_row(escape(s.query), f"{s.count:,}", f"{s.hits:,}")
        show_table(searches)
    if not report.followers:
        console.print(f"friends, {period}: no change recorded")
        return
    friends = Table(
        "day",
        "follows",
        "unfollows (blocks)",
        "unblocks",
        "LINE friends",
        "LINE blocks",
        title=f"friends, {period}",
        title_justify="left",
    )
    for day in report.followers:
        friends.add_row(
            day.day.isoformat(),
            f"{day.follows:,}",
            f"{day.unfollows:,}",
            f"{day.unblocks:,}",
            _n(day.friends),
            _n(day.blocks),
        )
    show_table(friends)
