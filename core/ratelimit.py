"""Pacing per key (a Slack channel, a LINE endpoint): a token bucket that can be told to back off.

Time is injected (``now`` and ``sleep``), so tests drive it without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]
_EPSILON = 1e-9


@dataclass
class _Bucket:
    tokens: float
    updated: float
    blocked_until: float = 0.0


class KeyedRateLimiter:
    """At most ``rate`` acquisitions per second per key, with bursts up to ``burst``.

    Args:
        rate: tokens added per second for each key.
        burst: bucket size: how many acquisitions may happen back to back.
        now: a monotonic clock in seconds.
        sleep: how to wait.
    """

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._now = now
        self._sleep = sleep
        self._buckets: dict[str, _Bucket] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def delay(self, key: str) -> float:
        """Seconds until ``key`` may go again (0 when it may go now); takes nothing."""
        bucket = self._refill(key)
        wait = max(0.0, bucket.blocked_until - self._now())
        # Refill arithmetic leaves a token a hair under 1 (0.99999999999997); waiting for
        # that hair would add nothing to a clock at 1e3 s and spin forever.
        if bucket.tokens < 1 - _EPSILON:
            wait = max(wait, (1 - bucket.tokens) / self.rate)
        return wait

    async def acquire(self, key: str) -> None:
        """Wait until ``key`` has a token, then take it. Callers on one key queue in order."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            while (wait := self.delay(key)) > 0:
                await self._sleep(wait)
            self._buckets[key].tokens -= 1

    async def wait(self, key: str, *, ahead: float = 0.0) -> None:
        """Wait until ``key`` will have a token within ``ahead`` seconds, taking nothing."""
        while (wait := self.delay(key) - ahead) > 0:
            await self._sleep(wait)

    def refund(self, key: str) -> None:
        """Give back the token of a call the platform answered with a server error, so its
        retry need not wait a whole interval (the refused call did not count)."""
        bucket = self._refill(key)
        bucket.tokens = min(float(self.burst), bucket.tokens + 1)

    def defer(self, key: str, seconds: float) -> None:
        """Hold ``key`` back for ``seconds`` (a platform said Retry-After)."""
        bucket = self._refill(key)
        bucket.blocked_until = max(bucket.blocked_until, self._now() + seconds)
        bucket.tokens = min(bucket.tokens, 0.0)

    def _refill(self, key: str) -> _Bucket:
        now = self._now()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket
