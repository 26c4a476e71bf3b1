"""Fake time for tests: a monotonic clock that moves only when something sleeps on it (or a
test moves it), so pacing and back-off are checked without waiting for real seconds.

``core.clock.FixedClock`` is the wall-clock counterpart (the ``Clock`` port's ``now()``)."""

from __future__ import annotations


class FakeTime:
    """A monotonic clock (call it) and a ``sleep`` that only moves it, recording each wait.

    Pass ``now=fake, sleep=fake.sleep`` where code takes a monotonic clock and a sleep
    (the rate limiters, the LINE publisher, the write-health back-off).
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Time passes without anyone sleeping."""
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
