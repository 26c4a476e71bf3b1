"""The delivery worker's transitions and send times, counted into the service's metrics.

Apart from ``bots.metrics`` because it builds on ``core.delivery``, which the commands that
only read (``haishin ask``, ``issues``) never import.
"""

from __future__ import annotations

from collections.abc import Sequence

from bots.metrics import Metrics
from core.delivery import DeliveryObserver


class MetricsObserver(DeliveryObserver):
    """Ledger transitions and send times into Prometheus metrics."""

    def __init__(self, metrics: Metrics, *, timed_elsewhere: Sequence[str] = ()) -> None:
        self.metrics = metrics
        self.timed_elsewhere = set(timed_elsewhere)

    def transition(self, platform: str, state: str) -> None:
        self.metrics.deliveries.labels(platform, state).inc()

    def duplicate_removed(self, platform: str) -> None:
        self.metrics.duplicates_removed.labels(platform).inc()

    def sent(self, platform: str, seconds: float) -> None:
        # Some publishers time their own calls (Slack's, retries of find_sent included).
        if platform not in self.timed_elsewhere:
            self.metrics.send_latency.labels(platform).observe(seconds)
