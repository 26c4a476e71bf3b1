"""The ledger's rows: making them for an issue, and reading them.

Rows are made once per (subscription, issue): a second call finds them and does nothing, so
a scheduler job that runs twice, or two processes racing, still make one set. A LINE
audience's batches are stored in the same transaction as the rows, so who a retry goes to
never changes.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.ledger import (
    EMPTY_CODE,
    EMPTY_UNIT,
    BatchPlan,
    Delivery,
    Group,
    GroupPlan,
    State,
)
from core.storage.base import Repository
from core.storage.ledger_rows import in_group, new_row, to_delivery
from core.storage.models import DeliveryBatchRow, DeliveryRow, IssueRow, SubscriptionRow


@dataclass(frozen=True, slots=True)
class Handing:
    """One subscription's groups of an issue, to be made into rows."""

    subscription_id: int
    groups: tuple[GroupPlan, ...]
    empty_reason: str = "nothing to send"


class DeliveryLedgerRepository(Repository):
    """Ledger rows: making them and reading them. Claims are ``ClaimRepository``'s,
    re-planning after a correction ``RevisionRepository``'s."""

    async def materialise(
        self,
        subscription_id: int,
        issue_id: int,
        revision: int,
        groups: Sequence[GroupPlan],
        *,
        empty_reason: str = "nothing to send",
    ) -> int:
        """Make the rows of one issue for one subscription, unless it has rows already.

        With no groups (the issue has none of the chosen sections, or no follower wants
        it) a single ``dead`` row says so, so the issue counts as handled.

        Returns:
            How many rows to send were made (0 when they existed already).
        """
        made = await self.materialise_many(
            issue_id, revision, [Handing(subscription_id, tuple(groups), empty_reason)]
        )
        return made.get(subscription_id, 0)

    async def materialise_many(
        self, issue_id: int, revision: int, handings: Sequence[Handing]
    ) -> dict[int, int]:
        """Make the rows of one issue for many subscriptions in one transaction; those that
        have rows already are left alone.

        Returns:
            Rows made, by subscription id.
        """
        try:
            async with self._write() as session:
                return await self._insert(session, issue_id, revision, handings)
        except IntegrityError:
            # Another process made some first (PostgreSQL; SQLite serialises writers):
            # one by one, so each subscription still gets its rows exactly once.
            if len(handings) == 1:
                return {}
            made: dict[int, int] = {}
            for handing in handings:
                made |= await self.materialise_many(issue_id, revision, [handing])
            return made

    async def _insert(
        self, session: AsyncSession, issue_id: int, revision: int, handings: Sequence[Handing]
    ) -> dict[int, int]:
        now = self._clock.now()
        ids = [h.subscription_id for h in handings]
        have = set(
            await session.scalars(
                select(DeliveryRow.subscription_id)
                .where(DeliveryRow.issue_id == issue_id, DeliveryRow.subscription_id.in_(ids))
                .distinct()
            )
        )
        batches: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        made: dict[int, int] = {}
        for handing in handings:
            if handing.subscription_id in have:
                continue
            base = {"subscription_id": handing.subscription_id, "issue_id": issue_id}
            if not handing.groups:
                rows.append(
                    new_row(base, revision, 0, EMPTY_UNIT, 0, now, state="dead")
                    | {"error_code": EMPTY_CODE, "last_error": handing.empty_reason}
                )
                made[handing.subscription_id] = 0
                continue
            for group in handing.groups:
                if group.batch:
                    batches.append(
                        base
                        | {
                            "batch": group.batch,
                            "sections": list(group.audience.sections),
                            "recipients": list(group.audience.recipients),
                            "created_at": now,
                        }
                    )
                for position, unit in enumerate(group.units):
                    rows.append(new_row(base, revision, group.batch, unit, position, now))
            made[handing.subscription_id] = sum(len(g.units) for g in handing.groups)
        if batches:
            await session.execute(insert(DeliveryBatchRow), batches)
        if rows:
            await session.execute(insert(DeliveryRow), rows)
        return made

    async def batch(self, group: Group) -> BatchPlan | None:
        """The stored audience of a LINE batch (None for batch 0)."""
        if not group.batch:
            return None
        async with self._read() as session:
            row = await session.get(
                DeliveryBatchRow, (group.subscription_id, group.issue_id, group.batch)
            )
        if row is None:
            return None
        return BatchPlan(tuple(row.recipients), tuple(row.sections))

    async def resume_point(
        self, group: Group, position: int
    ) -> tuple[str | None, builtins.list[str]]:
        """Where a group's first unit landed (once sent), and the ids of its units after
        ``position`` not yet sent or given up, in order: one read when a group starts."""
        query = (
            select(DeliveryRow.id, DeliveryRow.position, DeliveryRow.state, DeliveryRow.sent_ref)
            .where(*in_group(group))
            .order_by(DeliveryRow.position)
        )
        async with self._read() as session:
            rows = (await session.execute(query)).all()
        first = rows[0].sent_ref if rows else None
        later = [
            row.id
            for row in rows
            if row.position > position and row.state in ("pending", "sending", "failed")
        ]
        return first, later

    async def subscriptions_with_rows(self, issue_id: int) -> set[int]:
        """The subscriptions that have rows of an issue (it was handed to them)."""
        query = select(DeliveryRow.subscription_id).where(DeliveryRow.issue_id == issue_id)
        async with self._read() as session:
            return set(await session.scalars(query.distinct()))

    async def has_rows(self, subscription_id: int, issue_id: int) -> bool:
        """True once the issue's rows for the subscription exist (it was handed over)."""
        async with self._read() as session:
            return await _has_rows(session, subscription_id, issue_id)

    async def rows(
        self,
        *,
        issue_id: int | None = None,
        subscription_id: int | None = None,
        state: State | None = None,
        limit: int | None = None,
    ) -> builtins.list[Delivery]:
        """Rows, newest issue first, then by audience and send order."""
        query = select(DeliveryRow)
        if issue_id is not None:
            query = query.where(DeliveryRow.issue_id == issue_id)
        if subscription_id is not None:
            query = query.where(DeliveryRow.subscription_id == subscription_id)
        if state is not None:
            query = query.where(DeliveryRow.state == state)
        query = query.order_by(
            DeliveryRow.issue_id.desc(),
            DeliveryRow.subscription_id,
            DeliveryRow.batch,
            DeliveryRow.position,
        )
        if limit is not None:
            query = query.limit(limit)
        async with self._read() as session:
            return [to_delivery(row) for row in await session.scalars(query)]

    async def counts(self) -> dict[tuple[str, str], int]:
        """How many rows are in each (platform, state)."""
        query = (
            select(SubscriptionRow.platform, DeliveryRow.state, func.count())
            .join(SubscriptionRow, SubscriptionRow.id == DeliveryRow.subscription_id)
            .group_by(SubscriptionRow.platform, DeliveryRow.state)
        )
        async with self._read() as session:
            return {(p, s): int(n) for p, s, n in await session.execute(query)}

    async def handed_from(self, subscription_ids: Sequence[int], number: int) -> set[int]:
        """Those of these subscriptions that have rows of issue ``number`` or a later one."""
        if not subscription_ids:
            return set()
        query = (
            select(DeliveryRow.subscription_id)
            .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
            .where(
                IssueRow.number >= number,
                DeliveryRow.subscription_id.in_(sorted(set(subscription_ids))),
            )
            .distinct()
        )
        async with self._read() as session:
            return set(await session.scalars(query))

    async def last_received(self) -> dict[int, int]:
        """Each subscription's newest issue number with a unit sent."""
        query = (
            select(DeliveryRow.subscription_id, func.max(IssueRow.number))
            .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
            .where(DeliveryRow.state == "sent")
            .group_by(DeliveryRow.subscription_id)
        )
        async with self._read() as session:
            return {int(s): int(n) for s, n in await session.execute(query)}


async def _has_rows(session: AsyncSession, subscription_id: int, issue_id: int) -> bool:
    found = await session.scalar(
        select(DeliveryRow.id)
        .where(
            and_(
                DeliveryRow.subscription_id == subscription_id,
                DeliveryRow.issue_id == issue_id,
            )
        )
        .limit(1)
    )
    return found is not None
