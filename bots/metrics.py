"""Prometheus metrics of one running service (a registry per app, so tests stay apart)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from core.stats import ISSUE_WIDE, FollowerEvent, StatsObserver


class Metrics:
    """The counters and timings ``/metrics`` exposes."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.webhook_requests = Counter(
            "haishin_webhook_requests_total",
            "Inbound platform requests by platform and outcome.",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.answers = Counter(
            "haishin_answers_total",
            "On-demand answers by platform and intent.",
            ["platform", "intent"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "haishin_deliveries_total",
            "Delivery ledger transitions by platform and new state.",
            ["platform", "state"],
            registry=self.registry,
        )
        self.duplicates_removed = Counter(
            "haishin_duplicates_removed_total",
            "Late second copies of a unit (a send in doubt that landed after its lookup) "
            "found and deleted, by platform.",
            ["platform"],
            registry=self.registry,
        )
        self.send_latency = Histogram(
            "haishin_send_latency_seconds",
            "Time of one platform send call.",
            ["platform"],
            registry=self.registry,
        )
        self.scheduler_lag = Gauge(
            "haishin_scheduler_lag_seconds",
            "How late the last scheduled job started.",
            registry=self.registry,
        )
        self.ledger_rows = Gauge(
            "haishin_ledger_rows",
            "Delivery ledger rows by platform and state (refreshed every few seconds).",
            ["platform", "state"],
            registry=self.registry,
        )
        self.dropped = Counter(
            "haishin_dropped_total",
            "Inbound work dropped because the queue was full, by platform.",
            ["platform"],
            registry=self.registry,
        )

        self.reads = Counter(
            "haishin_reads_total",
            "Section pages read on demand (opened by a button, asked for, or a later page).",
            ["platform", "section"],
            registry=self.registry,
        )
        self.section_requests = Counter(
            "haishin_section_requests_total",
            'Sections (or, with section="", whole issues) first asked for, by how: '
            "opened (a button) or asked (typed words).",
            ["platform", "section", "how"],
            registry=self.registry,
        )
        self.searches = Counter(
            "haishin_searches_total",
            "Searches by platform and outcome (hits or none).",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.follower_events = Counter(
            "haishin_follower_events_total",
            "Friends gained and lost: follow, unfollow (a block) or unblock.",
            ["platform", "event"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


class StatsMetrics(StatsObserver):
    """Reading stats as Prometheus counters, so a Grafana user sees them too."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def read(self, platform: str, section: str, kind: str) -> None:
        if kind != "page":
            self.metrics.section_requests.labels(platform, section, kind).inc()
        if section != ISSUE_WIDE:
            self.metrics.reads.labels(platform, section).inc()

    def searched(self, platform: str, found: bool) -> None:
        self.metrics.searches.labels(platform, "hits" if found else "none").inc()

    def follower(self, platform: str, event: FollowerEvent) -> None:
        self.metrics.follower_events.labels(platform, event).inc()
