"""Storage: the database, its migrations and the repositories over it.

Everything here is async (SQLAlchemy 2 with aiosqlite or psycopg 3). Repositories take a
``Database`` (each call its own transaction) or an ``AsyncSession`` (calls share the
caller's transaction) and hand out plain dataclasses, never ORM rows. The delivery ledger's
(``claims``, ``delivery_ledger``, ``ledger_writer`` and ``completions``, ``revisions``,
``group_starts``, ``verifications``, ``heartbeats``) hand out ``core.ledger``'s; the rules
that call them are ``core.delivery``'s.

The names below load on first use, and each repository module brings only its own tables:
``haishin ask`` maps the issues, conversations and stats, not the feeds, the console's
sessions or Slack's installs. The whole schema is ``core.storage.schema``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "Cadence": "core.storage.subscriptions",
    "ConversationState": "core.storage.conversations",
    "Database": "core.storage.database",
    "DeliveryLedgerRepository": "core.storage.delivery_ledger",
    "HeartbeatRepository": "core.storage.heartbeats",
    "IssueRepository": "core.storage.issues",
    "IssueRevision": "core.storage.issues",
    "LineFollower": "core.storage.followers",
    "LineFollowers": "core.storage.followers",
    "ProcessedEvents": "core.storage.events",
    "SearchHit": "core.storage.search",
    "StoreOutcome": "core.storage.issues",
    "StoreStatus": "core.storage.issues",
    "StoredIssue": "core.storage.issues",
    "Subscription": "core.storage.subscriptions",
    "SubscriptionRepository": "core.storage.subscriptions",
    "WorkerInfo": "core.storage.heartbeats",
}

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


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
