"""Feeds on the command line: ``haishin ingest --feed [URL]`` and ``haishin feeds``."""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from bots.cli.common import async_command, console, fail, services, show_table
from core.errors import ConfigError

if TYPE_CHECKING:
    from core.feeds.config import FeedConfig
    from core.feeds.poll import FeedReport

_STYLE = {"new": "green", "revised": "yellow", "unchanged": "dim", "error": "bold red"}
_STATUS = {"ok": "green", "not-modified": "dim", "failing": "bold red", "pending": "yellow"}


def register(app: typer.Typer) -> None:
    """Add ``feeds`` to the CLI."""
    app.command("feeds")(feeds)


async def ingest_feeds(urls: list[str]) -> None:
    """Read feeds now, whatever their schedule: the URLs given, else the profile's.

    Prints each feed's entries and what became of them; exits with status 1 when a feed or
    an entry failed (after reading every feed).
    """
    from bots.feeds.http import HttpWebSource
    from core.feeds.config import FeedConfig
    from core.feeds.poll import FeedPoll

    async with services(create=True) as svc:
        config = svc.profile.feed
        if not urls and config is None:
            fail(
                f"{svc.settings.profile_path} names no feed; add a [feed] table with "
                "url = 'https://…' (see the example in the file), or give one: "
                "haishin ingest --feed URL"
            )
        targets: list[FeedConfig] = []
        try:
            targets = [(config or FeedConfig(urls=())).for_url(url) for url in urls]
        except ConfigError as exc:
            fail(str(exc))
        if not targets and config is not None:
            targets = [config]
        followed = set(config.urls) if config is not None else set()
        once = [url for url in urls if url not in followed]
        reports: list[FeedReport | None] = []
        for target in targets:
            source = HttpWebSource(target)
            poll = FeedPoll(
                db=svc.db,
                profile=svc.profile,
                config=target,
                source=source,
                clock=svc.clock,
                owner=f"cli:{socket.gethostname()}:{os.getpid()}",
            )
            try:
                for url in target.urls:
                    with console.status(f"reading {escape(url)}…"):
                        report = await poll.poll(url)
                    _print_report(url, report)
                    reports.append(report)
            finally:
                await source.aclose()
    for url in once:
        console.print(
            f"[yellow]note:[/] {escape(url)} was read once, now; `haishin serve` follows only "
            f"the feeds of {escape(str(svc.settings.profile_path))} — add it to its "
            f"{escape('[feed]')} table (url = … or urls = {escape('[…]')}) to have new "
            "entries picked up",
            highlight=False,
        )
    if not all(report is not None and report.ok for report in reports):
        raise typer.Exit(1)


@async_command
async def feeds() -> None:
    """Show every feed of the profile: its status, last and next poll, and the last error."""
    from bots.feeds.status import feed_health

    async with services() as svc:
        health = await feed_health(svc.db, svc.profile)
    if not health["on"]:
        console.print(
            "No feed in newsletter.toml. Add a [feed] table with url = 'https://…' to follow one.",
            markup=False,
            highlight=False,
        )
        return
    table = Table("feed", "status", "last poll", "next poll", "failures", "error", title="feeds")
    for feed in health["feeds"]:
        status = feed["status"]
        table.add_row(
            escape(feed.get("title") or feed["url"]) + ("\n" + escape(feed["url"])),
            f"[{_STATUS.get(status, '')}]{status}[/]",
            _when(feed.get("last_poll")),
            _when(feed.get("next_poll")),
            str(feed.get("failures", 0)),
            escape(feed.get("error") or ""),
        )
    show_table(table)
    if not health["ok"]:
        raise typer.Exit(1)


def _print_report(url: str, report: FeedReport | None) -> None:
    if report is None:
        console.print(
            f"[yellow]{escape(url)}[/]: another haishin process is reading this feed right "
            "now; try again in a minute"
        )
        return
    if report.status == "error":
        console.print(f"[bold red]{escape(url)}: {escape(report.error or 'failed')}[/]")
        console.print(f"  next try at {report.next_poll_at:%Y-%m-%d %H:%M %Z}")
        return
    if report.status == "not-modified":
        console.print(f"{escape(url)}: not modified since the last read")
        return
    first = " (first read: back catalogue)" if report.first_poll else ""
    title = f"{report.title or url}{first}"
    table = Table("entry", "result", "issue", "revision", "note", title=escape(title))
    for entry in report.entries:
        note = entry.error or ("back catalogue" if entry.back_catalogue else "")
        table.add_row(
            escape(entry.title or entry.key or "?"),
            f"[{_STYLE.get(entry.status, '')}]{entry.status}[/]",
            _number(entry.number),
            _number(entry.revision),
            escape(note),
        )
    show_table(table)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")


def _number(value: Any) -> str:
    return "" if value is None else str(value)


def _when(value: str | None) -> str:
    return value.replace("T", " ")[:16] if value else ""
