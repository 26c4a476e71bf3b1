"""Time as an input: services ask a ``Clock`` instead of the system."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta


class Clock(ABC):
    """The current time, always timezone-aware."""

    @abstractmethod
    def now(self) -> datetime:
        """The current instant (aware, UTC)."""

    async def sync(self) -> None:  # noqa: B027 (most clocks have nothing to sync)
        """Set the clock again from its source, where it has one (the database's time)."""


class SystemClock(Clock):
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that only moves when told; for tests and dry runs."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self._now += delta

    def set(self, at: datetime) -> None:
        """Jump to an instant."""
        self._now = at.astimezone(UTC)
