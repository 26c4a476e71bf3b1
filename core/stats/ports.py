"""The stats ports: where counts are written, and where a report reads them.

``core.storage.stats.StatsRepository`` implements both over the database; tests may pass
their own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.stats.model import SectionCounts, StatsBatch

# (issue number, section key, platform)
CountKey = tuple[int, str, str]


@dataclass(frozen=True, slots=True)
class SearchLine:
    """A search over a period: the normalized query, how often, and the most hits it had
    (what a day's last search of it found)."""

    query: str
    count: int
    hits: int


@dataclass(frozen=True, slots=True)
class FollowerDay:
    """Friends on one day: ours from the webhook, and LINE's own counts where fetched
    (None: not fetched, or LINE had none)."""

    day: date
    follows: int
    unfollows: int
    unblocks: int
    friends: int | None = None
    blocks: int | None = None
    targeted_reaches: int | None = None


@dataclass(frozen=True, slots=True)
class MessageInsight:
    """What a platform reported about the sends of one issue (LINE's insight, summed over
    its broadcasts); None where the platform did not say."""

    requests: int
    fetched: int
    delivered: int | None
    impressions: int | None
    unique_impressions: int | None
    unique_clicks: int | None
    clicks: tuple[tuple[str, int | None, int | None], ...] = ()  # (url, clicks, unique)


class StatsStore(ABC):
    """Where the recorder writes."""

    @abstractmethod
    async def add(self, batch: StatsBatch) -> None:
        """Add a batch of counts to the stored ones, in one transaction."""

    @abstractmethod
    async def prune(self, before: date) -> int:
        """Forget every count of a day before ``before``; returns how many rows went."""


class StatsSource(ABC):
    """What a report reads."""

    @abstractmethod
    async def section_counts(
        self, issues: Sequence[int], since: date | None = None
    ) -> dict[CountKey, SectionCounts]:
        """Opened, asked and pages per (issue, section, platform), from ``since`` on."""

    @abstractmethod
    async def delivered(
        self, issues: Sequence[int], since: date | None = None
    ) -> dict[CountKey, int | None]:
        """Deliveries of each section from the delivery ledger: Slack channels (or people)
        that got its posts, LINE friends who got the digest carrying it; None where the
        count depends on a broadcast whose reach the platform has not reported yet."""

    @abstractmethod
    async def searches(
        self, start: date | None, end: date | None, *, limit: int, zero_hits: bool
    ) -> list[SearchLine]:
        """The most frequent searches between two days (``end`` excluded); only those
        that found nothing with ``zero_hits``, else only those that found something."""

    @abstractmethod
    async def followers(self, start: date | None, end: date | None) -> list[FollowerDay]:
        """Friends gained and lost per day (``end`` excluded), oldest first."""

    @abstractmethod
    async def insight(self, issues: Sequence[int]) -> dict[tuple[int, str], MessageInsight]:
        """The platforms' own numbers per (issue, platform)."""
