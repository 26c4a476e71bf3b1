"""``build_line``: the LINE platform of ``haishin serve``, from settings.

LINE is on when both ``LINE_CHANNEL_SECRET`` and ``LINE_CHANNEL_ACCESS_TOKEN`` are set;
``LINE_API_URL`` points the client at another host (both api.line.me and api-data.line.me).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.routing import Route

from bots.bootstrap import Services
from bots.dedupe import EventDeduplicator
from bots.line import PLATFORM
from bots.line.client import LineClient
from bots.line.delivery import build_line_delivery
from bots.line.events import WebhookParser
from bots.line.followers import LineAudienceBook
from bots.line.friends import FollowerSyncJob
from bots.line.handlers import Inbound, LineHandlers
from bots.line.insight import LineInsight
from bots.line.planner import LineFriendPlanner
from bots.line.queue import EventQueue
from bots.line.render import LineRenderer
from bots.line.replies import ReplySender
from bots.line.subscriptions import FollowerSubscriptions
from bots.line.texts import OFF_MESSAGE
from bots.line.webhook import LineWebhook
from bots.platform import Hook, Platform
from core.storage.defaults import Defaults

log = logging.getLogger("haishin.line")

WORKERS = PLATFORM.backpressure.at_once
QUEUE_CAPACITY = PLATFORM.backpressure.waiting  # events that may wait for a worker


class LiveStatus(dict[str, Any]):
    """Facts for ``/healthz``, some read at the moment they are shown (queue depth)."""

    def __init__(self, facts: dict[str, Any], **live: Callable[[], Any]) -> None:
        super().__init__(facts)
        self._live = live

    def snapshot(self) -> dict[str, Any]:
        """The facts with the live ones read now."""
        return {**self, **{name: read() for name, read in self._live.items()}}

    def __or__(self, other: Any) -> dict[str, Any]:  # type: ignore[override]
        return {**self.snapshot(), **dict(other)}


@dataclass
class LinePlatform(Platform):
    """The LINE ``Platform``, with its parts reachable (tests drain ``queue``)."""

    queue: EventQueue[Inbound] | None = None
    handlers: LineHandlers | None = None
    client: LineClient | None = None
    followers: LineAudienceBook | None = None
    insight: LineInsight | None = None
    friends: LineFriendPlanner | None = None
    sync: FollowerSyncJob | None = None


def build_line(
    services: Services, *, workers: int = WORKERS, capacity: int = QUEUE_CAPACITY
) -> LinePlatform | None:
    """The LINE platform, or None (after one log line saying how to turn it on) when off.

    Args:
        services: the shared services.
        workers: events handled at once.
        capacity: events that may wait; beyond it they are dropped and counted.
    """
    settings = services.settings
    secret, token = settings.line_channel_secret, settings.line_channel_access_token
    if not (secret and token):
        log.info(OFF_MESSAGE)
        return None
    client = LineClient(token, host=settings.line_api_url)
    renderer = LineRenderer(services.profile)
    followers = LineAudienceBook(services.db, clock=services.clock)
    # Overflow and answers too late for their reply token: dropped, counted.
    dropped = services.metrics.dropped.labels(platform="line")
    dedupe = EventDeduplicator(services.db, services.clock, platform="line")
    handlers = LineHandlers(
        engine=services.engine,
        renderer=renderer,
        client=client,
        replies=ReplySender(client, on_expired=dropped.inc),
        followers=followers,
        subscriptions=FollowerSubscriptions(followers, services.profile),
        dedupe=dedupe,
        clock=services.clock,
        metrics=services.metrics,
        stats=services.stats,
    )
    queue: EventQueue[Inbound] = EventQueue(
        handlers.handle, workers=workers, capacity=capacity, on_drop=dropped.inc, name="line"
    )
    webhook = LineWebhook(WebhookParser(secret), queue, services.metrics)
    # line:all is every friend; LINE's own numbers (friend counts, insight of our
    # broadcasts) come through ``insight``, fetched in rounds only while stats are on.
    delivery = build_line_delivery(
        client, renderer, services.db, clock=services.clock, book=followers
    )
    publisher, planner, insight = delivery.publisher, delivery.planner, delivery.insight
    sync = FollowerSyncJob(client, services.db, clock=services.clock)
    counting = services.stats.enabled
    status = LiveStatus(
        {
            "api": settings.line_api_url or "https://api.line.me",
            "webhook": "/line/webhook",
            "workers": workers,
            "queue_capacity": capacity,
        },
        queued=lambda: queue.depth,
        dropped=lambda: queue.dropped,
    )

    async def subscribe_followers() -> None:
        # Followers are told on follow that each issue will reach them: make it so, once.
        created = await Defaults(services.db, clock=services.clock).subscribe_once(
            "line:all subscription", platform="line", target="all"
        )
        if created is not None:
            log.info(
                "LINE followers will get each new issue: subscription %d (line:all) created; "
                "'haishin subscriptions remove line:all' stops it for good",
                created.id,
            )

    startup: list[Hook] = [subscribe_followers, dedupe.start, queue.start, sync.start]
    # Run in reverse: let queued events finish, record them, then close the session.
    shutdown: list[Hook] = [client.close, delivery.close, dedupe.stop, queue.stop, sync.stop]
    if counting:
        startup.append(insight.start)
        shutdown.append(insight.stop)
    return LinePlatform(
        name=PLATFORM.name,
        routes=[Route("/line/webhook", webhook.handle, methods=["POST"])],
        publisher=publisher,
        planner=planner.plan,
        review=planner.review,
        on_startup=startup,
        on_shutdown=shutdown,
        status=status,
        queue=queue,
        handlers=handlers,
        client=client,
        followers=followers,
        insight=insight,
        friends=planner,
        sync=sync,
    )
