"""The delivery services over the switched-on platforms: one recipe for serve and the CLI.

Publishers come from the platforms (``Platform.publisher``); "every LINE friend" is
planned by ``bots.line.planner.LineFriendPlanner`` (a broadcast when nobody must be left
out, else a narrowcast leaving out an audience of the readers with their own digests, or
multicasts), and its cost checked against the month's quota before any row is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bots.bootstrap import Services
from bots.line.followers import LineAudienceBook
from bots.line.planner import LineFriendPlanner
from bots.metrics import Metrics
from bots.platform import Platform
from core.delivery import (
    DeliveryObserver,
    DeliveryWorker,
    Fanout,
    Publishing,
    WorkerSettings,
)
from core.delivery.fanout import AudiencePlanner, PlanReview
from core.ports import Publisher
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
    """Plans ``line:all`` from the known followers alone (no friend count, no quota check):
    for tests and tools that have no LINE client."""
    return LineFriendPlanner(book, db).plan


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
    reviews: dict[str, PlanReview] = {}
    line = platforms.get("line")
    planner = getattr(line, "planner", None)
    book = getattr(line, "followers", None)
    if isinstance(planner, LineFriendPlanner):
        planners["line"] = planner.plan
        reviews["line"] = planner.review
    elif isinstance(book, LineAudienceBook):
        planners["line"] = line_planner(book, services.db)
    fanout = Fanout(services.profile.name, publishers, planners, reviews)
    publishing = Publishing(services.db, fanout, clock=services.clock)
    worker = DeliveryWorker(
        services.db,
        fanout,
        clock=services.clock,
        observer=MetricsObserver(services.metrics, timed_elsewhere=("slack",)),
        settings=settings,
    )
    publishing.on_rows = worker.wake
    return DeliveryKit(fanout, publishing, worker)
