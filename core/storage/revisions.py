"""The ledger's side of corrections: which groups a new revision concerns, fitting their
rows to it, and claiming sent rows to update their messages (``core.delivery.corrections``
decides what to send)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update

from core.clock import Clock
from core.ledger import EMPTY_UNIT, Delivery, Group, row_unit
from core.storage.base import Repository
from core.storage.database import Database
from core.storage.ledger_rows import in_group, new_row, to_delivery
from core.storage.models import DeliveryRow, IssueRow


class RevisionRepository(Repository):
    """Rows of groups whose issue was corrected.

    Args:
        source: the database.
        clock: now.
        worker_timeout: a claim for an update older than this may be taken over.
    """

    def __init__(
        self,
        source: Database,
        *,
        clock: Clock | None = None,
        worker_timeout: timedelta,
    ) -> None:
        super().__init__(source, clock=clock)
        self.worker_timeout = worker_timeout

    async def outdated_groups(self, limit: int = 200) -> builtins.list[tuple[Group, int]]:
        """Groups with rows older than their issue's current revision (a correction came),
        with that revision."""
        query = (
            select(
                DeliveryRow.subscription_id,
                DeliveryRow.issue_id,
                DeliveryRow.batch,
                IssueRow.revision,
            )
            .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
            .where(DeliveryRow.revision < IssueRow.revision, DeliveryRow.state != "dead")
            .distinct()
            .limit(limit)
        )
        async with self._read() as session:
            return [(Group(s, i, b), r) for s, i, b, r in await session.execute(query)]

    async def replan(self, group: Group, units: Sequence[str], revision: int) -> tuple[int, int]:
        """Fit a group's rows to a corrected issue's units.

        Units the correction added get new rows after the existing ones; unsent rows of
        units it removed die with the reason; every other row is moved to ``revision``
        except sent ones (their messages are updated first, see ``Corrections``).

        Returns:
            (rows added, rows dropped).
        """
        now = self._clock.now()
        async with self._write() as session:
            existing = await session.execute(
                select(DeliveryRow.unit, DeliveryRow.position, DeliveryRow.state).where(
                    *in_group(group)
                )
            )
            found = {unit: (position, state) for unit, position, state in existing}
            if not found or EMPTY_UNIT in found:
                return 0, 0
            wanted = [row_unit(group.batch, unit) for unit in units]
            gone = [
                u
                for u, (_, state) in found.items()
                if u not in wanted and state in ("pending", "failed")
            ]
            if gone:
                await session.execute(
                    update(DeliveryRow)
                    .where(*in_group(group), DeliveryRow.unit.in_(gone))
                    .values(
                        state="dead",
                        error_code="corrected",
                        last_error=f"not in revision {revision} of the issue any more",
                        next_attempt_at=None,
                        updated_at=now,
                    )
                )
            await session.execute(
                update(DeliveryRow)
                .where(
                    *in_group(group),
                    DeliveryRow.state.in_(("pending", "failed")),
                    DeliveryRow.revision < revision,
                )
                .values(revision=revision, updated_at=now)
            )
            last = max(position for position, _ in found.values())
            base = {"subscription_id": group.subscription_id, "issue_id": group.issue_id}
            added = [
                new_row(base, revision, group.batch, unit, last + index, now, stored=True)
                for index, unit in enumerate((u for u in wanted if u not in found), start=1)
            ]
            if added:
                await session.execute(insert(DeliveryRow), added)
            return len(added), len(gone)

    async def claim_updates(
        self, group: Group, revision: int, worker: str, limit: int = 100
    ) -> builtins.list[Delivery]:
        """Claim a group's sent rows older than ``revision``, to update their messages."""
        now = self._clock.now()
        query = (
            select(DeliveryRow)
            .where(
                *in_group(group),
                DeliveryRow.state == "sent",
                DeliveryRow.revision < revision,
                or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= now),
                or_(
                    DeliveryRow.claimed_by.is_(None),
                    DeliveryRow.claimed_at < now - self.worker_timeout,
                ),
            )
            .order_by(DeliveryRow.position)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        async with self._write() as session:
            rows = list(await session.scalars(query))
            if rows:
                await session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.id.in_([row.id for row in rows]))
                    .values(claimed_by=worker, claimed_at=now)
                    .execution_options(synchronize_session=False)
                )
            return [replace(to_delivery(row), claimed_by=worker) for row in rows]

    async def updated(
        self,
        delivery: Delivery,
        worker: str,
        revision: int,
        *,
        retry_at: datetime | None = None,
        note: str | None = None,
    ) -> None:
        """Finish the update of a sent row: now at ``revision``, or to be tried again at
        ``retry_at``. ``note`` records why an update could not be made."""
        values: dict[str, Any] = {"claimed_by": None, "claimed_at": None}
        if retry_at is not None:
            values |= {"next_attempt_at": retry_at, "last_error": note}
        else:
            values |= {"revision": revision, "next_attempt_at": None, "last_error": note}
        async with self._write() as session:
            await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery.id, DeliveryRow.claimed_by == worker)
                .values(updated_at=self._clock.now(), **values)
            )
