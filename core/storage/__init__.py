"""Storage: the database, its migrations and the repositories over it.

Everything here is async (SQLAlchemy 2 with aiosqlite or psycopg 3). Repositories take a
``Database`` (each call its own transaction) or an ``AsyncSession`` (calls share the
caller's transaction) and hand out plain dataclasses, never ORM rows. The delivery ledger's
(``claims``, ``delivery_ledger``, ``ledger_writer`` and ``completions``, ``revisions``,
``group_starts``, ``verifications``, ``heartbeats``) hand out ``core.ledger``'s; the rules
that call them are ``core.delivery``'s.
"""

from core.storage import (  # noqa: F401  (put their tables in the metadata)
    feeds,
    line_tables,
    sessions,
    slack_tables,
    stats_tables,
)
from core.storage.conversations import ConversationState
from core.storage.database import Database
from core.storage.delivery_ledger import DeliveryLedgerRepository
from core.storage.events import ProcessedEvents
from core.storage.followers import LineFollower, LineFollowers
from core.storage.heartbeats import HeartbeatRepository, WorkerInfo
from core.storage.issues import (
    IssueRepository,
    IssueRevision,
    StoredIssue,
    StoreOutcome,
    StoreStatus,
)
from core.storage.search import SearchHit
from core.storage.subscriptions import Cadence, Subscription, SubscriptionRepository

__all__ = [
    "Cadence",
    "ConversationState",
    "Database",
    "DeliveryLedgerRepository",
    "HeartbeatRepository",
    "IssueRepository",
    "IssueRevision",
    "LineFollower",
    "LineFollowers",
    "ProcessedEvents",
    "SearchHit",
    "StoreOutcome",
    "StoreStatus",
    "StoredIssue",
    "Subscription",
    "SubscriptionRepository",
    "WorkerInfo",
]
