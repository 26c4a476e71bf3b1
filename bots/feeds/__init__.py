"""Feeds, the HTTP side: guarded fetching, the poller inside ``haishin serve``, its status.

The feed logic itself (parsing, identity, revisions, back catalogue) is ``core.feeds``.
``haishin serve`` runs the poller as one of its components (``bots.runtime.components``).
"""

from bots.feeds.guard import AddressPolicy, Resolver
from bots.feeds.http import HttpWebSource
from bots.feeds.poller import FeedPoller
from bots.feeds.status import feed_health

__all__ = ["AddressPolicy", "FeedPoller", "HttpWebSource", "Resolver", "feed_health"]
