"""When to try a failed send again, and which failures stop a subscription.

Backoff doubles from ``base`` up to ``cap`` with "equal jitter" (half fixed, half random), so
many rows failing together (a workspace's outage) do not retry together. A platform's
``Retry-After`` is a floor: never earlier than it said.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from core.errors import DeliveryError, MessageRejected, QuotaExhausted, RetryAfter

# Failures whose kind (what the ledger stores) says the platform surely sent nothing.
NOT_SENT = frozenset({RetryAfter.KIND, QuotaExhausted.KIND})
# Refusals of one message (its content), not of the audience: that row dies, the rest go on.
MESSAGE_REFUSED = frozenset({MessageRejected.KIND})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded attempts.

    Args:
        base: seconds before the first retry (before jitter).
        cap: the longest wait between attempts.
        max_attempts: attempts before a row is given up (dead).
        rng: randomness for the jitter (seed it in tests).
    """

    # A first retry within half a second (a lone 500 costs little); then doubling to half an
    # hour between tries; 20 attempts span about five hours of a platform's outage.
    base: float = 0.5
    cap: float = 1800.0
    max_attempts: int = 20
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt (1-based)."""
        backoff = min(self.cap, self.base * 2.0 ** max(0, attempts - 1))
        jittered = backoff / 2 + self.rng.random() * backoff / 2
        if retry_after is not None and retry_after > 0:
            # Spread the rows a Retry-After released together over a tenth of the wait.
            return max(retry_after * (1 + 0.1 * self.rng.random()), jittered)
        return jittered

    def exhausted(self, attempts: int) -> bool:
        """True when no attempt is left."""
        return attempts >= self.max_attempts


def stops_subscription(error: DeliveryError) -> bool:
    """True for a permanent refusal of the audience (channel gone, token revoked, quota
    used up): nothing more can reach it until a person acts, so the subscription pauses."""
    return not error.retryable and not isinstance(error, MessageRejected)


def surely_not_sent(kind: str | None) -> bool:
    """True when a failure of this stored kind certainly sent nothing (no need to look)."""
    return (kind or "") in NOT_SENT
