"""Recording sends, many at once: the ledger's hot path.

Every message sent means one ledger write: the unit is ``sent`` and the group's next unit is
claimed (``sending``), or, when the channel's pace makes it wait, only reserved for this
worker (still ``pending``) and taken (``sending``) once it may go, so that a crash meanwhile
leaves it plainly unsent rather than in doubt. Thousands of channels in flight make hundreds
of those a second, more than one transaction each can carry (on SQLite every transaction is
the one writer's turn).
So completions queue here and are written together: one transaction on a connection of the
writer's own, with one read of every row the batch touches and then one ``UPDATE`` per kind
of change (sent, claimed, reserved) run for all its rows at once. A statement per unit cost
about a millisecond each on SQLite: a batch of 800 took most of a second, and every send
waiting for it was late by as much. Failed attempts (a few in a hundred sends, far more when
a platform has a bad minute) go through the same transactions, one by one.
A caller waits for its own result, so nothing is acknowledged before it is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, String, Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from core.clock import Clock
from core.delivery.attempt import Settled
from core.delivery.claims import Failure, from_mapping, record_failure
from core.delivery.model import Delivery, State
from core.storage.database import Database
from core.storage.models import DeliveryRow
from core.storage.types import UTCDateTime

log = logging.getLogger("haishin.delivery")
# The name the groups' database faults are reported under (``WriteHealth``); a batch
# written says the database takes the sends' writes again.
SENDS = "delivery sends"

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
class _Completion:
    done: Delivery | None  # None: take a reserved ``next_id``
    worker: str
    ref: str
    revision: int
    next_id: str | None
    reserve: bool = False
    settled: Settled | None = None


Apply = Callable[[AsyncConnection, datetime], Awaitable[Any]]


@dataclass
class _Queued:
    result: asyncio.Future[Any] = field(repr=False)
    completion: _Completion | None = None
    apply: Apply | None = None


class LedgerWriter:
    """Writes completions (and failures) in batches on a connection of its own.

    Args:
        db: the database.
        clock: the time rows are stamped with.
    """

    def __init__(self, db: Database, *, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._conn: AsyncConnection | None = None
        self._queue: list[_Queued] = []
        self._flusher: asyncio.Task[None] | None = None
        self.batches = 0  # how many transactions were written (for benchmarks)

    async def complete(
        self,
        done: Delivery,
        worker: str,
        ref: str,
        revision: int,
        next_id: str | None,
        *,
        reserve: bool = False,
        settled: Settled | None = None,
    ) -> Delivery | None:
        """Record ``done`` as sent (at ``ref``) and claim ``next_id`` if it is due, or with
        ``reserve`` only reserve it for this worker (``take`` claims it later). ``settled``
        says what a resend after a doubt found (copies removed, when to look again).

        Returns:
            The claimed (or reserved) next unit, or None (none given, not due, or ``done``
            was no longer this worker's; then nothing of it was written).
        """
        item = _Completion(done, worker, ref, revision, next_id, reserve, settled)
        return cast(Delivery | None, await self._queued(_Queued(_future(), completion=item)))

    async def take(self, reserved: Delivery, worker: str) -> Delivery | None:
        """Claim a unit ``complete`` reserved (``sending``); None if it is no longer this
        worker's to take."""
        item = _Completion(None, worker, "", 0, reserved.id)
        return cast(Delivery | None, await self._queued(_Queued(_future(), completion=item)))

    async def fail(self, delivery: Delivery, worker: str, failure: Failure) -> bool:
        """Record a failed attempt (see ``record_failure``); False when the row was no
        longer this worker's."""
        return bool(
            await self._queued(
                _Queued(
                    _future(),
                    apply=lambda conn, now: record_failure(conn, now, delivery, worker, failure),
                )
            )
        )

    async def _queued(self, item: _Queued) -> Any:
        self._queue.append(item)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="ledger-writer")
        return await asyncio.shield(item.result)

    async def close(self) -> None:
        """Write what is queued, then close the connection."""
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        await self._drop()

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                results = await self._write(batch)
            except Exception as exc:
                await self._drop()
                for item in batch:
                    if not item.result.done():
                        item.result.set_exception(exc)
                continue
            self._db.health.succeeded(SENDS)
            for item, result in zip(batch, results, strict=True):
                if not item.result.done():
                    item.result.set_result(result)

    async def _write(self, batch: list[_Queued]) -> list[Any]:
        conn = await self._connection()
        now = self._clock.now()
        completions = [item.completion for item in batch if item.completion is not None]
        results: list[Any] = []
        async with conn.begin():
            done = iter(await _complete_all(conn, now, completions, self._db.dialect))
            for item in batch:
                if item.apply is not None:
                    results.append(await item.apply(conn, now))
                else:
                    results.append(next(done))
        self.batches += 1
        return results

    async def _connection(self) -> AsyncConnection:
        if self._conn is None or self._conn.closed:
            self._conn = await self._db.engine.connect()
        return self._conn

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()


async def _complete_all(
    conn: AsyncConnection, now: datetime, items: list[_Completion], dialect: str
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


def _future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()


def _before(row: Any) -> State:
    # A pending row has no next attempt time; a failed one keeps its own.
    return "failed" if row["next_attempt_at"] is not None else "pending"
