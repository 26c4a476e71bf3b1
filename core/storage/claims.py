"""Claiming ledger rows: which worker sends what, in order, and giving rows back.

A group's units go strictly in order, so only a group's *head* (its first unit not yet sent
or given up) can be claimed, and only while no earlier unit is in flight. Many groups are
claimed at once, so channels and workspaces proceed in parallel.

Two databases, two ways to make a claim exclusive:

- PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` picks rows no other worker holds; the
  ``UPDATE`` that follows re-checks the state, so a row goes to one worker only.
- SQLite silently drops ``FOR UPDATE``; there, every write transaction starts with
  ``BEGIN IMMEDIATE`` (see ``Database``), so the select and the update run under the one
  writer lock and nobody can claim in between.

A group's next unit may be *reserved* instead (still ``pending``, ``claimed_by`` its worker)
while it waits for its channel's pace; nobody else claims it while that worker lives, and if
the worker dies it is plainly pending again: nothing of it went out.

A row stays ``sending`` while its send is under way. If its worker dies (no heartbeat for
``worker_timeout``), releases it at shutdown, or holds it longer than ``max_lease``, it can be
claimed again and comes back with ``previous_state="sending"`` (``core.delivery.claims``
says how long a claim holds, ``core.delivery.attempt`` what to do with such a row).
"""

from __future__ import annotations

import builtins
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select, update
from sqlalchemy.orm import aliased

from core.clock import Clock
from core.ledger import UNFINISHED, Delivery
from core.storage.base import Repository
from core.storage.database import Database
from core.storage.ledger_rows import to_delivery
from core.storage.models import DeliveryRow, DeliveryWorkerRow, SubscriptionRow


class ClaimRepository(Repository):
    """Claims of ledger rows, and giving them back (a failed attempt: ``LedgerWriter.fail``).

    Args:
        source: the database.
        clock: the time rows are stamped with and compared to.
        worker_timeout: a worker silent this long is dead; its rows can be claimed again.
        max_lease: a row held longer than this can be claimed again even from a live worker.
    """

    def __init__(
        self,
        source: Database,
        *,
        clock: Clock | None = None,
        worker_timeout: timedelta,
        max_lease: timedelta,
    ) -> None:
        super().__init__(source, clock=clock)
        self.worker_timeout = worker_timeout
        self.max_lease = max_lease

    async def claim_heads(
        self,
        worker: str,
        limit: int,
        *,
        busy_lanes: Collection[str] = (),
        platforms: Collection[str] | None = None,
        subscription_id: int | None = None,
        issue_id: int | None = None,
        include_paused: bool = False,
    ) -> builtins.list[Delivery]:
        """Claim up to ``limit`` group heads that are due, skipping groups in ``busy_lanes``.

        Args:
            worker: the claiming worker's id.
            limit: how many rows at most.
            busy_lanes: lanes (``core.delivery.claims.lane_of``) that take no more work now.
            platforms: only rows of these platforms (those this process can send to).
            subscription_id / issue_id: claim only these rows (``haishin send``).
            include_paused: claim rows of paused subscriptions too (one-off sends).

        Returns:
            The claimed rows, now ``sending``; ``previous_state`` says what they were.
        """
        if limit <= 0:
            return []
        now = self._clock.now()
        earlier = aliased(DeliveryRow)
        blocked = exists().where(
            earlier.subscription_id == DeliveryRow.subscription_id,
            earlier.issue_id == DeliveryRow.issue_id,
            earlier.batch == DeliveryRow.batch,
            earlier.position < DeliveryRow.position,
            earlier.state.in_(UNFINISHED),
        )
        # The lane as ``core.delivery.claims.lane_of`` spells it.
        lane = (
            SubscriptionRow.platform + literal(":") + func.coalesce(SubscriptionRow.workspace, "")
        )
        query = (
            select(DeliveryRow, lane)
            .join(SubscriptionRow, SubscriptionRow.id == DeliveryRow.subscription_id)
            .where(self._due(now), ~blocked)
            .order_by(
                func.coalesce(DeliveryRow.next_attempt_at, DeliveryRow.created_at),
                DeliveryRow.subscription_id,
                DeliveryRow.batch,
            )
            .limit(limit)
        )
        if not include_paused:
            query = query.where(SubscriptionRow.active.is_(True))
        if platforms is not None:
            query = query.where(SubscriptionRow.platform.in_(list(platforms)))
        if subscription_id is not None:
            query = query.where(DeliveryRow.subscription_id == subscription_id)
        if issue_id is not None:
            query = query.where(DeliveryRow.issue_id == issue_id)
        if busy_lanes:
            lane = (
                SubscriptionRow.platform
                + literal(":")
                + func.coalesce(SubscriptionRow.workspace, "")
            )
            query = query.where(lane.not_in(list(busy_lanes)))
        if self.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=DeliveryRow)
        async with self._write() as session:
            found = (await session.execute(query)).all()
            if not found:
                return []
            rows = [row for row, _ in found]
            await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id.in_([row.id for row in rows]))
                .values(
                    state="sending",
                    claimed_by=worker,
                    claimed_at=now,
                    attempts=DeliveryRow.attempts + 1,
                    first_attempt_at=func.coalesce(DeliveryRow.first_attempt_at, now),
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            return [replace(_claimed(row, worker, now), lane=name) for row, name in found]

    async def unclaim(self, rows: Collection[Delivery], worker: str) -> None:
        """Give back claimed rows whose send never started: due again as they were. (A row
        claimed for a second look at the platform stays ``sending``, now unclaimed.)"""
        async with self._write() as session:
            for previous in {row.previous_state or "pending" for row in rows}:
                ids = [row.id for row in rows if (row.previous_state or "pending") == previous]
                await session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.id.in_(ids), DeliveryRow.claimed_by == worker)
                    .values(
                        state=previous,
                        claimed_by=None,
                        claimed_at=None,
                        attempts=DeliveryRow.attempts - 1,
                    )
                )

    async def unreserve(self, delivery: Delivery, worker: str) -> None:
        """Give up a reservation (see the module docstring): claimable by anyone again."""
        async with self._write() as session:
            await session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.id == delivery.id,
                    DeliveryRow.claimed_by == worker,
                    DeliveryRow.state.in_(("pending", "failed")),
                )
                .values(claimed_by=None, claimed_at=None)
            )

    async def release(self, worker: str, *, ids: Collection[str] | None = None) -> int:
        """Let go of the rows ``worker`` holds (all, or ``ids``). They stay ``sending`` (a
        send may have been under way) and can be claimed at once, with a look at the
        platform first."""
        statement = update(DeliveryRow).where(
            DeliveryRow.claimed_by == worker, DeliveryRow.state == "sending"
        )
        if ids is not None:
            statement = statement.where(DeliveryRow.id.in_(list(ids)))
        async with self._write() as session:
            result = await session.execute(statement.values(claimed_by=None, claimed_at=None))
            return int(getattr(result, "rowcount", 0))

    async def revive(
        self, subscription_id: int, *, keep_codes: Collection[str], below_attempts: int
    ) -> int:
        """Make a resumed subscription's dead rows pending again: those that died of a
        refusal of the audience (any code but ``keep_codes``) before running out of
        attempts. Rows refused for their content, or given up, stay dead."""
        now = self._clock.now()
        async with self._write() as session:
            result = await session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.subscription_id == subscription_id,
                    DeliveryRow.state == "dead",
                    DeliveryRow.attempts < below_attempts,
                    or_(
                        DeliveryRow.error_code.is_(None),
                        DeliveryRow.error_code.not_in(list(keep_codes)),
                    ),
                )
                .values(state="pending", attempts=0, next_attempt_at=None, updated_at=now)
            )
            return int(getattr(result, "rowcount", 0))

    def _due(self, now: datetime) -> Any:
        live = select(DeliveryWorkerRow.id).where(
            DeliveryWorkerRow.heartbeat_at >= now - self.worker_timeout
        )
        # Free: nobody's, or held by a dead worker or for too long. A pending or failed unit
        # held by a live worker is reserved: it waits for its channel's pace there.
        free = or_(
            DeliveryRow.claimed_by.is_(None),
            DeliveryRow.claimed_by.not_in(live),
            DeliveryRow.claimed_at < now - self.max_lease,
        )
        return and_(
            free,
            or_(
                DeliveryRow.state.in_(("pending", "sending")),
                and_(DeliveryRow.state == "failed", DeliveryRow.next_attempt_at <= now),
            ),
        )


def _claimed(row: DeliveryRow, worker: str, now: datetime) -> Delivery:
    # The row object predates the UPDATE; its new values are known without reading it back.
    return replace(
        to_delivery(row, row.state),  # type: ignore[arg-type]
        state="sending",
        claimed_by=worker,
        attempts=row.attempts + 1,
        first_attempt_at=row.first_attempt_at or now,
        updated_at=now,
    )
