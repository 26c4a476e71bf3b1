"""The month's message quota: refuse a send that would go over, before making it.

LINE counts one message per recipient of a push, multicast or broadcast (replies are free)
and answers 429 "You have reached your monthly limit." once the quota is gone, sending
nothing. Checking first turns that into a clear refusal naming the numbers. The quota and the
consumption are read from ``/v2/bot/message/quota`` and ``/quota/consumption`` at most once
per ``refresh`` seconds; sends in between are counted locally.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.errors import QuotaExhausted

# (monthly limit or None when unlimited, messages used this month)
QuotaReader = Callable[[], Awaitable[tuple[int | None, int]]]


@dataclass(frozen=True, slots=True)
class QuotaStatus:
    """The month so far."""

    limit: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        """Messages left this month (None: no limit)."""
        return None if self.limit is None else max(0, self.limit - self.used)


class QuotaGuard:
    """Reserves quota for sends, refusing those that would exceed what is left.

    Args:
        read: fetches (limit, used) from LINE.
        refresh: seconds a reading stays good.
        now: monotonic clock in seconds.
    """

    def __init__(
        self, read: QuotaReader, *, refresh: float = 60.0, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._read = read
        self._refresh = refresh
        self._now = now
        self._status: QuotaStatus | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    async def status(self) -> QuotaStatus:
        """The current reading (fetched when stale)."""
        async with self._lock:
            return await self._current()

    async def _current(self) -> QuotaStatus:
        if self._status is None or self._now() - self._read_at >= self._refresh:
            limit, used = await self._read()
            self._status = QuotaStatus(limit, used)
            self._read_at = self._now()
        return self._status

    async def reserve(self, count: int, what: str) -> None:
        """Count ``count`` messages as used, or refuse.

        Raises:
            QuotaExhausted: the send needs more messages
                than remain this month; nothing was sent.
        """
        if count <= 0:
            return
        async with self._lock:
            status = await self._current()
            remaining = status.remaining
            if remaining is not None and count > remaining:
                raise QuotaExhausted(
                    f"LINE monthly quota: this {what} needs {count:,} messages but only "
                    f"{remaining:,} of {status.limit:,} remain this month ({status.used:,} "
                    "used). Nothing was sent. Raise the channel's message limit in LINE "
                    "Official Account Manager, or wait for next month.",
                    platform="line",
                    code="quota_exceeded",
                )
            self._status = QuotaStatus(status.limit, status.used + count)

    def release(self, count: int) -> None:
        """Give back a reservation for a send LINE refused (nothing was sent)."""
        if self._status is not None and count > 0:
            self._status = QuotaStatus(self._status.limit, max(0, self._status.used - count))
