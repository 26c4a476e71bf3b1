"""The console's pages (GET): issues, one issue, the chat box, deliveries."""

from __future__ import annotations

import asyncio
from datetime import datetime

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from bots import registry
from bots.console.app import Console
from bots.console.chat import Exchange, converse
from bots.console.deliveries import (
    everyone_plans,
    platforms_off,
    read_ledger,
    subscription_lines,
)
from bots.console.issue_view import build_issue_view
from bots.console.preview import listed_key, source_key
from bots.console.source import read_source
from core.delivery import STATES
from core.ingest import default_issue_paths
from core.storage.catalogue import Entry, catalogue
from core.storage.issues import StoredIssue

EXAMPLES = {
    "ja": [
        "最新トピック",
        "気になった記事",
        "小ネタ",
        "編集後記",
        "最新号",
        "バックナンバー",
        "検索 AI",
        "ヘルプ",
    ],
    "en": ["latest", "latest topic", "list", "search AI", "help"],
}


def state_of(stored: StoredIssue | Entry, now: datetime) -> str:
    """``published`` (readers may see it), ``scheduled``, ``back-catalogue``, or why it is
    held: ``draft``, ``removed`` (its file is gone) or ``cancelled``."""
    if stored.back_catalogue:
        return "back-catalogue"
    if stored.published_at is None and stored.held is not None:
        return stored.held
    return "published" if stored.visible_at(now) else "scheduled"


async def issues(console: Console, request: Request) -> Response:
    """Every stored issue, newest first, and the files not stored yet."""
    stored = await catalogue(console.services.db)
    now = console.services.clock.now()
    rows = []
    for item in reversed(stored):
        unknown = [
            title
            for key, title in item.sections
            if console.profile.sections and not console.profile.spec(key)
        ]
        rows.append(
            {
                "number": item.number,
                "date": item.date,
                "title": item.title,
                "lead": item.lead,
                "sections": len(item.sections),
                "state": state_of(item, now),
                "at": item.publish_at,
                "published_at": item.published_at,
                "corrected": item.corrected,
                "corrected_at": item.corrected_at,
                "revision": item.revision,
                "unknown": unknown,
                "labels": [_label(console, key, title) for key, title in item.sections],
            }
        )
    published = [r for r in rows if r["state"] == "published"]
    scheduled = [r for r in rows if r["state"] == "scheduled"]
    content_dir = console.services.settings.content_dir
    known = {item.source_key for item in stored}
    files = await asyncio.to_thread(default_issue_paths, content_dir)
    unstored = [
        listed_key(path, content_dir)
        for path in files
        if source_key(path, content_dir) not in known
    ]
    return console.page(
        request,
        "issues.html",
        nav="issues",
        rows=rows,
        latest=published[0] if published else None,
        upcoming=scheduled[-1] if scheduled else None,
        subscriptions=len(await console.subscriptions.list(active=True)),
        unstored=unstored,
        issues_dir=str(content_dir / "issues"),
    )


async def issue(console: Console, request: Request) -> Response:
    """One issue: its outline beside its posts on each platform."""
    number = int(request.path_params["number"])
    stored = await console.issues.get(number)
    if stored is None:
        return console.message(request, 404, "No such issue", f"There is no issue #{number}.")
    source = await read_source(console.services.settings.content_dir, stored.source_key)
    view = await asyncio.to_thread(
        build_issue_view, stored.issue, console.profile, console.fresh_renderers(), source=source
    )
    revisions = await console.issues.revisions(number)
    # A big issue takes tens of milliseconds to draw: off the loop that answers webhooks.
    return await asyncio.to_thread(
        console.page,
        request,
        "issue.html",
        nav="issues",
        stored=stored,
        view=view,
        state=state_of(stored, console.services.clock.now()),
        post_time=console.templates.clock_time(stored.published_at or stored.publish_at),
        revisions=revisions,
        flash={
            "published": "Published: subscribers who get issues on publication get it now.",
            "was-out": "This issue was published already; nothing changed.",
            "unscheduled": "Cancelled: it won't be published or sent until you put it back "
            "on schedule.",
            "rescheduled": "Back on schedule: it goes out at its time (at once if that has "
            "passed).",
        }.get(request.query_params.get("done", "")),
    )


async def chat(console: Console, request: Request) -> Response:
    """The chat box; ``?text=`` or ``?button=`` answers at once (links from issue pages)."""
    platform = platform_of(console, request.query_params.get("platform"))
    exchanges: list[Exchange] = []
    text = request.query_params.get("text", "")
    button = request.query_params.get("button", "")
    if text or button:
        # Stateless: a link may be opened by anyone, so it writes no conversation.
        exchanges.append(
            await converse(console.services, console.renderers[platform], text=text, button=button)
        )
    return chat_page(console, request, platform, exchanges)


def platform_of(console: Console, name: str | None) -> str:
    """A platform the console draws: the one asked for, else the first registered."""
    return name if name in console.renderers else next(iter(console.renderers))


def chat_page(
    console: Console, request: Request, platform: str, exchanges: list[Exchange]
) -> Response:
    """The chat page with some turns in its transcript."""
    return console.page(
        request,
        "try.html",
        nav="try",
        platform=platform,
        exchanges=exchanges,
        examples=EXAMPLES.get(console.profile.language, EXAMPLES["en"]),
    )


async def deliveries(console: Console, request: Request) -> Response:
    """Subscriptions, their next slot, and the ledger."""
    state = request.query_params.get("state")
    state = state if state in STATES else None
    subscriptions = await console.subscriptions.list()
    stored = await catalogue(console.services.db)
    now = console.services.clock.now()
    lines = subscription_lines(
        subscriptions,
        stored,
        console.profile,
        now,
        console.templates.when,
        console.on,
    )
    ledger = await read_ledger(
        console.services.db, console.services.clock, stored, subscriptions, state=state
    )
    flash = _resumed_or_paused(request.query_params.get("done", ""))
    latest = await console.issues.latest(now)
    planned = await everyone_plans(console.platforms, subscriptions, latest, console.profile.name)
    return console.page(
        request,
        "deliveries.html",
        nav="deliveries",
        subscriptions=lines,
        everyone_plans=planned,
        platforms_off=platforms_off(lines),
        ledger=ledger,
        can_pause=True,
        flash=flash,
        how_to_subscribe=how_to_subscribe(),
    )


def how_to_subscribe() -> Markup:
    """One sentence for the empty Deliveries page: how readers subscribe on each platform
    that says (``ChatPlatform.subscribed_by``, the platform's own HTML), then how an
    operator does."""
    contracts = registry.platforms()
    ways = [c.subscribed_by for c in contracts if c.subscribed_by]
    example = escape(contracts[0].example_address)
    ways.append(f"an operator with <code>haishin subscriptions add --to {example}</code>")
    said = ", ".join(ways[:-1]) + ", and " + ways[-1] if len(ways) > 1 else ways[0]
    return Markup(said[:1].upper() + said[1:] + ".")


def _resumed_or_paused(done: str) -> str | None:
    if done == "paused":
        return "Paused: nothing more goes to it until it is resumed."
    if done.startswith("resumed-") and done[len("resumed-") :].isdigit():
        revived = int(done[len("resumed-") :])
        again = (
            f" {revived} stopped send{'s' if revived != 1 else ''} will go out now."
            if revived
            else ""
        )
        return f"Resumed: it gets the next issue again.{again}"
    return None


def _label(console: Console, key: str, title: str) -> str:
    spec = console.profile.spec(key)
    return spec.title if spec else title
