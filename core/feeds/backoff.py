"""When to poll a feed again after it failed: exponential backoff with jitter, time-free.

After the first failure the feed is tried again in about a minute, then two, four, eight…,
never later than the larger of the polling interval and an hour, so a feed that is down for a
day costs its site a request an hour, and one that is back is read within the hour. A server
that says ``Retry-After`` is given at least that long (up to a day). Jitter (±10 %) keeps
several haishin instances, or several feeds on one host, from retrying in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

MAX_RETRY_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Backoff:
    """The retry policy. ``jitter`` is the fraction a delay may move either way."""

    first: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.1

    def delay(
        self,
        failures: int,
        *,
        interval: timedelta,
        retry_after: float | None = None,
        spread: float = 0.5,
    ) -> timedelta:
        """How long to wait after ``failures`` failed polls in a row.

        Args:
            failures: 1 after the first failure.
            interval: the feed's normal polling interval.
            retry_after: seconds the server asked for, if it did.
            spread: a number in [0, 1) from the caller's random source; 0.5 means no jitter.

        Returns:
            The delay before the next poll.
        """
        ceiling = max(self.cap, interval)
        base = min(ceiling, self.first * (1 << min(max(failures, 1) - 1, 30)))
        jittered = base * (1 + self.jitter * (2 * spread - 1))
        if retry_after is not None and retry_after > 0:
            asked = min(timedelta(seconds=retry_after), MAX_RETRY_AFTER)
            jittered = max(jittered, asked)
        return jittered
