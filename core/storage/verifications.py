"""Rows due for a second look after a resend (``verify_at``), and what each look found
(see ``core.delivery.duplicates``)."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import select, update

from core.ledger import Delivery
from core.storage.base import Repository
from core.storage.ledger_rows import to_delivery
from core.storage.models import DeliveryRow


class VerificationRepository(Repository):
    """Rows due for a second look, and recording what it found."""

    async def due(self, now: datetime, limit: int = 200) -> builtins.list[Delivery]:
        """Sent rows whose ``verify_at`` has come, oldest first."""
        query = (
            select(DeliveryRow)
            .where(DeliveryRow.verify_at <= now, DeliveryRow.state == "sent")
            .order_by(DeliveryRow.verify_at)
            .limit(limit)
        )
        async with self._read() as session:
            return [to_delivery(row) for row in await session.scalars(query)]

    async def looked(self, row: Delivery, removed: int, *, again: datetime | None = None) -> None:
        """Record a look: ``removed`` copies deleted; ``again``: look once more then. (The
        row's ``updated_at`` stays: when it was sent, which times the next looks.)"""
        async with self._write() as session:
            await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == row.id)
                .values(
                    verify_at=again,
                    duplicates_removed=DeliveryRow.duplicates_removed + removed,
                )
            )
