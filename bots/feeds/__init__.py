"""Feeds, the HTTP side: guarded fetching, the poller inside ``haishin serve``, its status.

The feed logic itself (parsing, identity, revisions, back catalogue) is ``core.feeds``.
``haishin serve`` runs the poller as one of its components (``bots.runtime.components``).
The names below load on first use, so ``haishin feeds --help`` doesn't import httpx or
SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bots.feeds.guard import AddressPolicy, Resolver
    from bots.feeds.http import HttpWebSource
    from bots.feeds.poller import FeedPoller
    from bots.feeds.status import feed_health

_HOMES = {
    "AddressPolicy": "bots.feeds.guard",
    "Resolver": "bots.feeds.guard",
    "HttpWebSource": "bots.feeds.http",
    "FeedPoller": "bots.feeds.poller",
    "feed_health": "bots.feeds.status",
}

__all__ = ["AddressPolicy", "FeedPoller", "HttpWebSource", "Resolver", "feed_health"]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
