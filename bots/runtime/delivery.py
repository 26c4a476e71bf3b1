"""The delivery services over the switched-on platforms: one recipe for serve and the CLI.

Publishers and audience planners (who "every LINE follower" is) come from the platforms
that are on (``Platform.publisher``, ``Platform.planner``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bots.bootstrap import Services
from bots.metrics import Metrics
from bots.platform import Platform
from core.delivery import (
    DeliveryObserver,
    DeliveryWorker,
    Fanout,
    Publishing,
    WorkerSettings,
)
from core.delivery.fanout import AudiencePlanner
from core.ports import Publisher


class MetricsObserver(DeliveryObserver):
    """Ledger transitions and send times into Prometheus metrics."""

    def __init__(self, metrics: Metrics, *, timed_elsewhere: Sequence[str] = ()) -> None:
        self.metrics = metrics
        self.timed_elsewhere = set(timed_elsewhere)

    def transition(self, platform: str, state: str) -> None:
        self.metrics.deliveries.labels(platform, state).inc()

    def sent(self, platform: str, seconds: float) -> None:
        # Some publishers time their own calls (Slack's, retries of find_sent included).
        if platform not in self.timed_elsewhere:
            self.metrics.send_latency.labels(platform).observe(seconds)


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
    planners: dict[str, AudiencePlanner] = {
        name: platform.planner
        for name, platform in platforms.items()
        if platform.planner is not None
    }
    fanout = Fanout(services.profile.name, publishers, planners)
    publishing = Publishing(services.db, fanout, clock=services.clock)
    worker = DeliveryWorker(
        services.db,
        fanout,
        clock=services.clock,
        observer=MetricsObserver(
            services.metrics,
            timed_elsewhere=[name for name, p in platforms.items() if p.times_own_sends],
        ),
        settings=settings,
    )
    publishing.on_rows = worker.wake
    return DeliveryKit(fanout, publishing, worker)
