"""Pausing and resuming a subscription, as the CLI and the console do it.

Resuming also revives the rows that died when the platform refused the audience (the cause
of the pause, now fixed by a person), so the interrupted digest goes out; rows refused for
their own content or given up after every attempt stay dead.
"""

from __future__ import annotations

from core.clock import Clock
from core.delivery.claims import MAX_LEASE, WORKER_TIMEOUT
from core.delivery.retry import MESSAGE_REFUSED, RetryPolicy
from core.ledger import EMPTY_CODE
from core.storage.claims import ClaimRepository
from core.storage.database import Database
from core.storage.subscriptions import Subscription, SubscriptionRepository

# Dead for reasons a resume does not change.
_STAYS_DEAD = MESSAGE_REFUSED | {EMPTY_CODE, "no_parent", "corrected"}


async def pause(db: Database, subscription_id: int, reason: str, *, clock: Clock) -> Subscription:
    """Stop sends to a subscription, saying why.

    Raises:
        NotFound: no such subscription.
    """
    return await SubscriptionRepository(db, clock=clock).pause(subscription_id, reason)


async def resume(
    db: Database, subscription_id: int, *, clock: Clock, policy: RetryPolicy | None = None
) -> tuple[Subscription, int]:
    """Send to a paused subscription again, picking up where it stopped.

    Returns:
        The subscription and how many ledger rows were made pending again.

    Raises:
        NotFound: no such subscription.
    """
    subscription = await SubscriptionRepository(db, clock=clock).resume(subscription_id)
    claims = ClaimRepository(db, clock=clock, worker_timeout=WORKER_TIMEOUT, max_lease=MAX_LEASE)
    revived = await claims.revive(
        subscription_id,
        keep_codes=_STAYS_DEAD,
        below_attempts=(policy or RetryPolicy()).max_attempts,
    )
    return subscription, revived
