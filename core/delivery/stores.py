"""What a delivery worker reads and writes, built once by the composition root.

``DeliveryWorker`` gets these instead of building them: the ledger and its claims, the
worker heartbeats, the subscriptions and issues (cached), the revisions and group starts,
the batched ledger writer, and the units due for a second look (late copies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.clock import Clock
from core.delivery.claims import MAX_LEASE, WORKER_TIMEOUT
from core.delivery.fanout import IssueCache, SubscriptionCache
from core.storage.claims import ClaimRepository
from core.storage.database import Database
from core.storage.delivery_ledger import DeliveryLedgerRepository
from core.storage.group_starts import GroupStartRepository
from core.storage.health import WriteHealth
from core.storage.heartbeats import HeartbeatRepository
from core.storage.issues import IssueRepository
from core.storage.ledger_writer import LedgerWriter
from core.storage.revisions import RevisionRepository
from core.storage.subscriptions import SubscriptionRepository
from core.storage.verifications import VerificationRepository


@dataclass(frozen=True)
class DeliveryStores:
    """The repositories of one delivery worker (see ``over``)."""

    health: WriteHealth
    claims: ClaimRepository
    ledger: DeliveryLedgerRepository
    heartbeats: HeartbeatRepository
    subscriptions: SubscriptionRepository
    active: SubscriptionCache
    issues: IssueCache
    revisions: RevisionRepository
    starts: GroupStartRepository
    writer: LedgerWriter
    verifications: VerificationRepository

    @classmethod
    def over(
        cls, db: Database, *, clock: Clock, worker_timeout: timedelta = WORKER_TIMEOUT
    ) -> DeliveryStores:
        """Every store on one database; ``worker_timeout`` is the silence after which a
        worker counts as dead (its claims and revision locks are taken over)."""
        subscriptions = SubscriptionRepository(db, clock=clock)
        return cls(
            health=db.health,
            claims=ClaimRepository(
                db, clock=clock, worker_timeout=worker_timeout, max_lease=MAX_LEASE
            ),
            ledger=DeliveryLedgerRepository(db, clock=clock),
            heartbeats=HeartbeatRepository(db, clock=clock),
            subscriptions=subscriptions,
            active=SubscriptionCache(subscriptions),
            issues=IssueCache(IssueRepository(db, clock=clock)),
            revisions=RevisionRepository(db, clock=clock, worker_timeout=worker_timeout),
            starts=GroupStartRepository(db, clock=clock),
            writer=LedgerWriter(db, clock=clock),
            verifications=VerificationRepository(db, clock=clock),
        )
