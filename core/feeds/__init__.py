"""Feeds: following where the newsletter is published (RSS 0.9x/1.0/2.0 and Atom).

A feed's entries become issues through the same HTML reader and assembler as every other
input form. ``FeedPoll`` polls one feed into the issue store; the HTTP side (conditional GET,
timeouts, size caps, address checks) is the ``WebSource`` port, provided by ``bots.feeds``.
"""

from core.feeds.backoff import Backoff
from core.feeds.config import FeedConfig, parse_feed_table
from core.feeds.document import FeedDocument, FeedEntry, parse_feed
from core.feeds.poll import FeedPoll, FeedReport
from core.feeds.ports import FetchedFeed, FetchError, WebSource
from core.feeds.sync import EntryOutcome

__all__ = [
    "Backoff",
    "EntryOutcome",
    "FeedConfig",
    "FeedDocument",
    "FeedEntry",
    "FeedPoll",
    "FeedReport",
    "FetchError",
    "FetchedFeed",
    "WebSource",
    "parse_feed",
    "parse_feed_table",
]
