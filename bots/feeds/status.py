"""Each feed's health, as ``/healthz`` and ``haishin feeds`` show it.

Read from the database, so every process (and the CLI) sees the same state whichever
``haishin serve`` process polled the feed last.

- ``ok``: the last poll read the feed (``error`` then names entries that failed, if any);
- ``not-modified``: the last poll got a 304;
- ``failing``: the last poll failed (``failures`` in a row; ``error`` says why; ``next_poll``
  is when it is tried again);
- ``pending``: configured but not polled yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bots.redact import redact_text, redact_url
from core.profile import Profile
from core.storage.database import Database
from core.storage.feeds import FeedRepository, FeedState


def describe(url: str, state: FeedState | None) -> dict[str, Any]:
    """One feed's status as plain JSON values (URLs without credentials or query)."""
    if state is None or state.last_status is None:
        return {"url": redact_url(url), "status": "pending"}
    return {
        "url": redact_url(url),
        "status": "failing" if state.last_status == "error" else state.last_status,
        "title": state.title,
        "last_poll": _iso(state.last_polled_at),
        "last_success": _iso(state.last_success_at),
        "next_poll": _iso(state.next_poll_at),
        "failures": state.failures,
        "error": redact_text(state.last_error) if state.last_error else None,
    }


async def feed_health(db: Database, profile: Profile) -> dict[str, Any]:
    """Whether feeds are configured, and each configured feed's status (never raises).

    ``ok`` is False while any feed is failing; the service itself stays healthy (a broken
    feed stops nothing else), so ``/healthz`` still answers 200.
    """
    config = profile.feed
    if config is None:
        return {"on": False}
    try:
        states = {state.url: state for state in await FeedRepository(db).states()}
    except Exception as exc:  # the probe reports the database itself; this must not fail
        return {"on": True, "ok": False, "error": redact_text(f"{type(exc).__name__}: {exc}")}
    feeds = [describe(url, states.get(url)) for url in config.urls]
    return {
        "on": True,
        "ok": all(feed["status"] != "failing" for feed in feeds),
        "feeds": feeds,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
