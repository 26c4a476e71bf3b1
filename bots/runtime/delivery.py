"""The delivery services over the switched-on platforms: one recipe for serve and the CLI.

Publishers come from the platforms (``Platform.publisher``); "every LINE follower" is
planned from the follower book, never broadcasting when someone must be left out (a
follower who opted out, who has a subscription of their own, or whose sections this issue
lacks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bots.bootstrap import Services
from bots.line.audience import plan_audiences
from bots.line.followers import LineAudienceBook
from bots.metrics import Metrics
from bots.platform import Platform
from core.delivery import (
    BatchPlan,
    DeliveryObserver,
    DeliveryWorker,
    Fanout,
    Publishing,
    WorkerSettings,
)
from core.delivery.fanout import AudiencePlanner
from core.ports import Publisher
from core.storage import Subscription, SubscriptionRepository
from core.storage.database import Database


class MetricsObserver(DeliveryObserver):
    """Ledger transitions and send times into Prometheus metrics."""

    def __init__(self, metrics: Metrics, *, timed_elsewhere: Sequence[str] = ()) -> None:
        self.metrics = metrics
        self.timed_elsewhere = set(timed_elsewhere)

    def transition(self, platform: str, state: str) -> None:
        self.metrics.deliveries.labels(platform, state).inc()

    def sent(self, platform: str, seconds: float) -> None:
        # SlackPublisher times its own calls (retries of find_sent included).
        if platform not in self.timed_elsewhere:
            self.metrics.send_latency.labels(platform).observe(seconds)


def line_planner(book: LineAudienceBook, db: Database) -> AudiencePlanner:
    """Plans ``line:all``: broadcast, multicasts of one section choice, pushes."""
    subscriptions = SubscriptionRepository(db)

    async def plan(subscription: Subscription, available: tuple[str, ...]) -> list[BatchPlan]:
        followers = await book.active()
        own = {
            s.target
            for s in await subscriptions.list(platform="line")
            if s.target != "all" and s.id != subscription.id
        }
        # Someone with a subscription of their own gets that one, not this one too.
        kept = [f for f in followers if f.user_id not in own]
        broadcast = len(kept) == len(followers) and not await book.opted_out()
        plans = plan_audiences(kept, list(available), broadcast=broadcast)
        return [BatchPlan(p.audience.recipients, p.sections) for p in plans]

    return plan


@dataclass
class DeliveryKit:
    """Everything delivery needs, built once per process."""

    fanout: Fanout
    publishing: Publishing
    worker: DeliveryWorker


def build_delivery(
    services: Services,
    platforms: dict[str, Platform],
    *,
    settings: WorkerSettings | None = None,
) -> DeliveryKit:
    """Delivery over the platforms that are on (a platform that is off is simply absent:
    its rows wait until a process with it on picks them up)."""
    publishers: dict[str, Publisher] = {
        name: platform.publisher
        for name, platform in platforms.items()
        if platform.publisher is not None
    }
    planners: dict[str, AudiencePlanner] = {}
    line = platforms.get("line")
    book = getattr(line, "followers", None)
    if isinstance(book, LineAudienceBook):
        planners["line"] = line_planner(book, services.db)
    fanout = Fanout(services.profile.name, publishers, planners)
    publishing = Publishing(
        services.db,
        fanout,
        clock=services.clock,
        catch_up=timedelta(days=services.settings.catch_up_days),
        catch_up_setting="HAISHIN_CATCH_UP_DAYS",
    )
    worker = DeliveryWorker(
        services.db,
        fanout,
        clock=services.clock,
        observer=MetricsObserver(services.metrics, timed_elsewhere=("slack",)),
        settings=settings,
    )
    publishing.on_rows = worker.wake
    return DeliveryKit(fanout, publishing, worker)
