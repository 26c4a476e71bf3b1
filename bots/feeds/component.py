"""The feed poller as a background component of ``haishin serve`` (see ``bots.runtime``).

Listed in ``bots.runtime.components.COMPONENTS``: ``haishin serve`` starts it after the
platforms and the scheduler, and stops it first. New issues it stores reach the scheduler's
next sweep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bots.bootstrap import Services
    from bots.feeds.poller import FeedPoller


def feed_poller(services: Services) -> FeedPoller | None:
    """The poller for the profile's ``[feed]`` table, or None when it names no feed (then
    the HTTP client and the feed readers are not even imported)."""
    if services.profile.feed is None:
        return None
    from bots.feeds.poller import FeedPoller

    return FeedPoller.build(db=services.db, profile=services.profile, clock=services.clock)
