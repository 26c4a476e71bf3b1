"""Feeds: following where the newsletter is published (RSS 0.9x/1.0/2.0 and Atom).

A feed's entries become issues through the same HTML reader and assembler as every other
input form. ``FeedPoll`` polls one feed into the issue store; the HTTP side (conditional GET,
timeouts, size caps, address checks) is the ``WebSource`` port, provided by ``bots.feeds``.
The names below load on first use: reading a profile's ``[feed]`` table
(``core.feeds.table``) doesn't import the feed and HTML readers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.feeds.backoff import Backoff
    from core.feeds.config import FeedConfig
    from core.feeds.document import FeedDocument, FeedEntry, parse_feed
    from core.feeds.poll import FeedPoll, FeedReport
    from core.feeds.ports import FetchedFeed, FetchError, WebSource
    from core.feeds.sync import EntryOutcome
    from core.feeds.table import FeedTable, parse_feed_table

_HOMES = {
    "Backoff": "core.feeds.backoff",
    "EntryOutcome": "core.feeds.sync",
    "FeedConfig": "core.feeds.config",
    "FeedDocument": "core.feeds.document",
    "FeedEntry": "core.feeds.document",
    "FeedPoll": "core.feeds.poll",
    "FeedReport": "core.feeds.poll",
    "FeedTable": "core.feeds.table",
    "FetchError": "core.feeds.ports",
    "FetchedFeed": "core.feeds.ports",
    "WebSource": "core.feeds.ports",
    "parse_feed": "core.feeds.document",
    "parse_feed_table": "core.feeds.table",
}

__all__ = [
    "Backoff",
    "EntryOutcome",
    "FeedConfig",
    "FeedDocument",
    "FeedEntry",
    "FeedPoll",
    "FeedReport",
    "FeedTable",
    "FetchError",
    "FetchedFeed",
    "WebSource",
    "parse_feed",
    "parse_feed_table",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
