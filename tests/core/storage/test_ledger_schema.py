"""The delivery ledger's table: the guarantees the delivery code will build on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.clock import FixedClock
from core.serialize import content_hash
from core.storage import IssueRepository, SubscriptionRepository
from core.storage.database import Database
from core.storage.models import DeliveryRow
from tests.core.storage.helpers import sample_issue

NOW = datetime(2025, 10, 4, tzinfo=UTC)


async def setup(database: Database) -> tuple[int, int]:
    clock = FixedClock(NOW)
    issue = sample_issue()
    await IssueRepository(database, clock=clock).store(
        issue,
        source_key="issues/a.txt",
        content_hash=content_hash(issue),
        fmt="text",
        publish_at=NOW,
    )
    stored = await IssueRepository(database).get(1)
    sub = await SubscriptionRepository(database, clock=clock).add(platform="line", target="all")
    assert stored is not None
    return sub.id, stored.id


def row(subscription: int, issue: int, unit: str, state: str = "pending") -> DeliveryRow:
    return DeliveryRow(
        id=str(uuid.uuid4()),
        subscription_id=subscription,
        issue_id=issue,
        revision=1,
        unit=unit,
        position=0,
        state=state,
        attempts=0,
        created_at=NOW,
        updated_at=NOW,
    )


async def test_one_row_per_subscription_issue_and_unit(database: Database) -> None:
    sub, issue = await setup(database)
    async with database.transaction() as session:
        session.add_all([row(sub, issue, "parent"), row(sub, issue, "topic/0/1")])
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add(row(sub, issue, "parent"))


async def test_only_known_states_are_accepted(database: Database) -> None:
    sub, issue = await setup(database)
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add(row(sub, issue, "parent", state="lost"))


async def test_removing_a_subscription_removes_its_ledger_rows(database: Database) -> None:
    sub, issue = await setup(database)
    async with database.transaction() as session:
        session.add(row(sub, issue, "parent"))
    assert await SubscriptionRepository(database).remove(sub)
    async with database.session(readonly=True) as session:
        assert await session.scalar(select(func.count()).select_from(DeliveryRow)) == 0
