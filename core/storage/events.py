"""Inbound webhook events already handled, so a retried or redelivered event runs once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.storage.base import Repository
from core.storage.models import ProcessedEventRow

_TABLE = ProcessedEventRow.__table__

# Slack retries for about 5 minutes and LINE redelivers for up to a day; keep a margin.
RETENTION = timedelta(days=3)
PRUNE_EVERY = timedelta(hours=1)


class ProcessedEvents(Repository):
    """Remembers event ids per platform (Slack ``event_id``, LINE ``webhookEventId``)."""

    _last_prune: datetime | None = None

    async def first_time(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record an event; True only for the first call with this (platform, event_id).

        Atomic across coroutines and processes (an insert that ignores a conflict). Events
        older than ``RETENTION`` are forgotten now and then.
        """
        insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(ProcessedEventRow)
            .values(platform=platform, event_id=event_id, received_at=now)
            .on_conflict_do_nothing(index_elements=["platform", "event_id"])
            .returning(ProcessedEventRow.event_id)
        )
        async with self._write() as session:
            inserted = (await session.execute(statement)).first() is not None
            await self._prune_now_and_then(session, now)
        return inserted

    async def _prune_now_and_then(self, session: AsyncSession, now: datetime) -> None:
        if self._last_prune is None or now - self._last_prune >= PRUNE_EVERY:
            self._last_prune = now
            await session.execute(
                delete(ProcessedEventRow).where(ProcessedEventRow.received_at < now - RETENTION)
            )

    async def record_many(self, platform: str, event_ids: list[str], now: datetime) -> None:
        """Record events known to be new (first deliveries), in one executemany."""
        insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
        # One statement, compiled once and cached, over all the rows (the driver's
        # executemany); a multi-row VALUES would be compiled anew for each batch size.
        statement = insert(_TABLE).on_conflict_do_nothing(index_elements=["platform", "event_id"])
        rows = [
            {"platform": platform, "event_id": event_id, "received_at": now}
            for event_id in dict.fromkeys(event_ids)
        ]
        async with self._write() as session:
            if rows:
                await session.execute(statement, rows)
            await self._prune_now_and_then(session, now)
