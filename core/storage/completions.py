"""The writes of a claim's outcome: a unit sent (and its group's next one claimed or
reserved), or a failed attempt. Each checks the fence first: the row must still be the
claim's (same worker, same attempt), else nothing of it is written. ``LedgerWriter`` runs
them, many in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, String, Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from core.ledger import Delivery, Failure, Settled, State
from core.storage.ledger_rows import from_mapping, in_group
from core.storage.models import DeliveryRow, SubscriptionRow
from core.storage.types import UTCDateTime

log = logging.getLogger("haishin.delivery")

_T = cast(Table, DeliveryRow.__table__)
# Typed, so an aware datetime is stored as the columns store it (UTC; text on SQLite).
_NOW: BindParameter[datetime] = bindparam("b_now", type_=UTCDateTime())
_ID: BindParameter[str] = bindparam("b_id", type_=String())
_WORKER: BindParameter[str] = bindparam("b_worker", type_=String())
# One read of every row a batch touches; each write below then runs once for all its rows
# (executemany), its conditions already checked on what was read. The read holds the rows:
# SQLite's BEGIN IMMEDIATE holds the whole database, PostgreSQL's FOR UPDATE the rows.
_READ = select(_T).where(_T.c.id.in_(bindparam("b_ids", expanding=True)))
_SENT = (
    update(_T)
    .where(_T.c.id == _ID)
    .values(
        state="sent",
        sent_ref=bindparam("b_ref", type_=String()),
        revision=bindparam("b_revision", type_=Integer()),
        verify_at=func.coalesce(bindparam("b_verify", type_=UTCDateTime()), _T.c.verify_at),
        duplicates_removed=_T.c.duplicates_removed + bindparam("b_removed", type_=Integer()),
        claimed_by=None,
        claimed_at=None,
        next_attempt_at=None,
        updated_at=_NOW,
    )
)
_CLAIM = (
    update(_T)
    .where(_T.c.id == _ID)
    .values(
        state="sending",
        claimed_by=_WORKER,
        claimed_at=_NOW,
        attempts=_T.c.attempts + 1,
        first_attempt_at=func.coalesce(_T.c.first_attempt_at, _NOW),
        updated_at=_NOW,
    )
)
# A send recorded by a worker that no longer held the row (taken for dead while paused): the
# worker that took it over may have sent it too, so both copies are looked at (see attempt).
_LATE = update(_T).where(_T.c.id == _ID).values(verify_at=_NOW)
# Reserved: this worker's, but still pending (or failed) and not yet attempted.
_RESERVE = (
    update(_T).where(_T.c.id == _ID).values(claimed_by=_WORKER, claimed_at=_NOW, updated_at=_NOW)
)


@dataclass
class Completion:
    """A unit sent by ``worker`` (``done``), and the next unit of its group to claim or
    reserve (``next_id``); with ``done`` None, the take of a reserved ``next_id``."""

    done: Delivery | None  # None: take a reserved ``next_id``
    worker: str
    ref: str
    revision: int
    next_id: str | None
    reserve: bool = False
    settled: Settled | None = None


async def complete_all(
    conn: AsyncConnection, now: datetime, items: list[Completion], dialect: str
) -> list[Delivery | None]:
    """Record completions and takes, in order: one read, then at most three writes."""
    if not items:
        return []
    ids = {i.done.id for i in items if i.done is not None}
    ids |= {i.next_id for i in items if i.next_id}
    read = _READ if dialect == "sqlite" else _READ.with_for_update()
    rows = {r["id"]: r for r in (await conn.execute(read, {"b_ids": sorted(ids)})).mappings()}
    sent: list[dict[str, Any]] = []
    claimed: list[dict[str, Any]] = []
    reserved: list[dict[str, Any]] = []
    late: list[dict[str, Any]] = []
    results: list[Delivery | None] = []
    for item in items:
        following = rows.get(item.next_id) if item.next_id else None
        if item.done is None:  # a take: the reservation must still be this worker's
            ok = following is not None and _reserved_by(following, item.worker)
            results.append(_claimed(following, item.worker, now) if ok else None)
            if ok:
                claimed.append({"b_id": item.next_id, "b_worker": item.worker, "b_now": now})
            continue
        mine = rows.get(item.done.id)
        if not _still_claimed(mine, item.done, item.worker):
            # Not ours any more (taken for dead): nothing of it is written but a look at
            # its copies, since the worker that took it over may send it too.
            log.warning("%s was no longer this worker's when it was recorded", item.done.id)
            late.append({"b_id": item.done.id, "b_now": now})
            results.append(None)
            continue
        settled = item.settled or Settled()
        sent.append(
            {
                "b_id": item.done.id,
                "b_ref": item.ref,
                "b_revision": item.revision,
                "b_now": now,
                "b_verify": settled.verify_at,
                "b_removed": settled.removed,
            }
        )
        if following is None or not _due(following, now):
            results.append(None)
            continue
        change = {"b_id": item.next_id, "b_worker": item.worker, "b_now": now}
        if item.reserve:
            reserved.append(change)
            results.append(_reserved(following, item.worker, now))
        else:
            claimed.append(change)
            results.append(_claimed(following, item.worker, now))
    for statement, params in (
        (_SENT, sent),
        (_CLAIM, claimed),
        (_RESERVE, reserved),
        (_LATE, late),
    ):
        if params:
            await conn.execute(statement, params)
    return results


def _due(row: Any, now: datetime) -> bool:
    if row["state"] == "pending":
        return True
    retry_at = row["next_attempt_at"]
    return bool(row["state"] == "failed" and retry_at is not None and retry_at <= now)


def _still_claimed(row: Any, claimed: Delivery, worker: str) -> bool:
    """The fencing check: the row is still this claim's (same worker, same attempt). A
    worker taken for dead whose row was claimed again, even by itself anew, writes nothing."""
    return bool(
        row is not None
        and row["claimed_by"] == worker
        and row["state"] == "sending"
        and row["attempts"] == claimed.attempts
    )


def _reserved_by(row: Any, worker: str) -> bool:
    return bool(row["claimed_by"] == worker and row["state"] in ("pending", "failed"))


def _claimed(row: Any, worker: str, now: datetime) -> Delivery:
    before = from_mapping(row, _before(row))
    return replace(
        before,
        state="sending",
        claimed_by=worker,
        attempts=before.attempts + 1,
        first_attempt_at=before.first_attempt_at or now,
        updated_at=now,
    )


def _reserved(row: Any, worker: str, now: datetime) -> Delivery:
    return replace(from_mapping(row, _before(row)), claimed_by=worker, updated_at=now)


async def record_failure(
    conn: AsyncConnection, now: datetime, delivery: Delivery, worker: str, failure: Failure
) -> bool:
    """Write ``failure`` of ``delivery`` (claimed by ``worker``) in the caller's transaction;
    False when the row was no longer that claim's (then nothing is written): the fencing
    check, same worker and same attempt, as for a send recorded (``LedgerWriter``)."""
    message = failure.message
    result = await conn.execute(
        update(_T)
        .where(
            _T.c.id == delivery.id,
            _T.c.claimed_by == worker,
            _T.c.state == "sending",
            _T.c.attempts == delivery.attempts,
        )
        .values(
            state="failed" if failure.retry_at is not None else "dead",
            next_attempt_at=failure.retry_at,
            last_error=message[:2000],
            error_code=(failure.code or "")[:64] or None,
            claimed_by=None,
            claimed_at=None,
            updated_at=now,
        )
    )
    if not result.rowcount:
        return False
    if failure.give_up_group:
        await conn.execute(
            update(DeliveryRow)
            .where(
                *in_group(delivery.group),
                DeliveryRow.position > delivery.position,
                DeliveryRow.state.in_(("pending", "failed")),
            )
            .values(
                state="dead",
                error_code="no_parent",
                last_error="the digest's first message could not be sent: " + message,
                next_attempt_at=None,
                updated_at=now,
            )
        )
    if failure.pause_reason is not None:
        await conn.execute(
            update(SubscriptionRow)
            .where(SubscriptionRow.id == delivery.subscription_id)
            .values(active=False, paused_reason=failure.pause_reason, updated_at=now)
        )
    return True


def _before(row: Any) -> State:
    # A pending row has no next attempt time; a failed one keeps its own.
    return "failed" if row["next_attempt_at"] is not None else "pending"
