"""Webhook de-duplication: an event id is handled once, even when it arrives at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.storage import ProcessedEvents
from core.storage.database import Database
from core.storage.events import RETENTION
from core.storage.models import ProcessedEventRow

NOW = datetime(2025, 10, 4, 9, 0, tzinfo=UTC)


async def test_an_event_is_new_only_the_first_time(database: Database) -> None:
    events = ProcessedEvents(database)
    assert await events.first_time("slack", "Ev01", NOW) is True
    assert await events.first_time("slack", "Ev01", NOW + timedelta(minutes=1)) is False
    # Ids are per platform.
    assert await events.first_time("line", "Ev01", NOW) is True


async def test_twenty_deliveries_of_one_event_at_once_yield_exactly_one_first(
    database: Database,
) -> None:
    # Separate repositories and connections, as separate requests (or processes) would have.
    results = await asyncio.gather(
        *(ProcessedEvents(database).first_time("line", "01JABCDEF", NOW) for _ in range(20))
    )
    assert results.count(True) == 1
    assert results.count(False) == 19


async def test_two_processes_agree_on_who_was_first(database_url: str) -> None:
    dbs = [Database.from_url(database_url) for _ in range(2)]
    try:
        await dbs[0].migrate()
        results = await asyncio.gather(
            *(ProcessedEvents(dbs[n % 2]).first_time("slack", "Ev99", NOW) for n in range(20))
        )
        assert results.count(True) == 1
    finally:
        for db in dbs:
            await db.dispose()


async def test_old_events_are_forgotten(database: Database) -> None:
    events = ProcessedEvents(database)
    for n in range(5):
        await events.first_time("slack", f"old{n}", NOW)
    later = NOW + RETENTION + timedelta(hours=2)
    assert await events.first_time("slack", "new", later) is True
    async with database.session(readonly=True) as session:
        kept = await session.scalar(select(func.count()).select_from(ProcessedEventRow))
    assert kept == 1
