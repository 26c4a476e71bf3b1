"""A slow rate (LINE broadcasts: 60 an hour) paces correctly on a clock that moves only
when slept on, instead of spinning on a token left a hair under 1 by float arithmetic."""

from __future__ import annotations

from core.ratelimit import KeyedRateLimiter


class SteppedClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        assert self.sleeps < 100, f"limiter spinning (asked to wait {seconds!r} s)"
        self.now += seconds


async def test_an_hourly_rate_waits_once_for_its_next_token() -> None:
    clock = SteppedClock()
    limiter = KeyedRateLimiter(59 / 3600, 1, now=clock, sleep=clock.sleep)
    await limiter.acquire("broadcast")
    await limiter.acquire("broadcast")
    assert clock.sleeps == 1
    assert abs((clock.now - 1000.0) - 3600 / 59) < 1e-6
