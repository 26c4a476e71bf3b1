"""Feeds, the HTTP side: guarded fetching, the poller inside ``haishin serve``, its status.

The feed logic itself (parsing, identity, revisions, back catalogue) is ``core.feeds``.
Importing this package registers the poller with ``haishin serve`` (``bots.feeds.component``).
"""

from bots.feeds import component  # noqa: F401  (registers the poller with haishin serve)
from bots.feeds.guard import AddressPolicy, Resolver
from bots.feeds.http import HttpWebSource
from bots.feeds.poller import FeedPoller
from bots.feeds.status import feed_health

__all__ = ["AddressPolicy", "FeedPoller", "HttpWebSource", "Resolver", "feed_health"]
