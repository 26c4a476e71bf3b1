"""Recording sends, many at once: the ledger's hot path.

Every message sent means one ledger write: the unit is ``sent`` and the group's next unit is
claimed (``sending``), or, when the channel's pace makes it wait, only reserved for this
worker (still ``pending``) and taken (``sending``) once it may go, so that a crash meanwhile
leaves it plainly unsent rather than in doubt. Thousands of channels in flight make hundreds
of those a second, more than one transaction each can carry (on SQLite every transaction is
the one writer's turn).
So completions queue here and are written together: one transaction on a connection of the
writer's own, one statement per unit (the unit and its successor in a single ``UPDATE``).
Failed attempts (a few in a hundred sends, far more when a platform has a bad minute) go
the same way.
A caller waits for its own result, so nothing is acknowledged before it is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import Integer, String, Table, and_, bindparam, case, null, or_, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from core.clock import Clock
from core.delivery.claims import Failure, from_mapping, record_failure
from core.delivery.model import Delivery, State
from core.storage.database import Database
from core.storage.models import DeliveryRow
from core.storage.types import UTCDateTime

log = logging.getLogger("haishin.delivery")

_T = cast(Table, DeliveryRow.__table__)
_DONE: BindParameter[str] = bindparam("done", type_=String())
_NEXT: BindParameter[str] = bindparam("next", type_=String())
# Typed, so an aware datetime is stored as the columns store it (UTC; text on SQLite).
_NOW: BindParameter[datetime] = bindparam("now", type_=UTCDateTime())
_IS_DONE = _T.c.id == _DONE
# The finished unit (still this worker's) and, if it is due, the unit after it.
_THIS_OR_NEXT = or_(
    and_(_IS_DONE, _T.c.claimed_by == bindparam("worker", type_=String())),
    and_(
        _T.c.id == _NEXT,
        or_(
            _T.c.state == "pending",
            and_(_T.c.state == "failed", _T.c.next_attempt_at <= _NOW),
        ),
    ),
)
_COMPLETE = (
    update(_T)
    .where(_THIS_OR_NEXT)
    .values(
        state=case((_IS_DONE, "sent"), else_="sending"),
        sent_ref=case((_IS_DONE, bindparam("ref", type_=String())), else_=_T.c.sent_ref),
        revision=case((_IS_DONE, bindparam("revision", type_=Integer())), else_=_T.c.revision),
        claimed_by=case((_IS_DONE, null()), else_=bindparam("worker", type_=String())),
        claimed_at=case((_IS_DONE, null()), else_=_NOW),
        next_attempt_at=case((_IS_DONE, null()), else_=_T.c.next_attempt_at),
        attempts=case((_IS_DONE, _T.c.attempts), else_=_T.c.attempts + 1),
        updated_at=_NOW,
    )
    .returning(*_T.c)
)
# The same, but the next unit is only reserved: its state and attempts stay as they were.
_COMPLETE_RESERVING = (
    update(_T)
    .where(_THIS_OR_NEXT)
    .values(
        state=case((_IS_DONE, "sent"), else_=_T.c.state),
        sent_ref=case((_IS_DONE, bindparam("ref", type_=String())), else_=_T.c.sent_ref),
        revision=case((_IS_DONE, bindparam("revision", type_=Integer())), else_=_T.c.revision),
        claimed_by=case((_IS_DONE, null()), else_=bindparam("worker", type_=String())),
        claimed_at=case((_IS_DONE, null()), else_=_NOW),
        next_attempt_at=case((_IS_DONE, null()), else_=_T.c.next_attempt_at),
        updated_at=_NOW,
    )
    .returning(*_T.c)
)
# A reserved unit, now that it may go: this worker's claim (``sending``).
_TAKE = (
    update(_T)
    .where(
        _T.c.id == _NEXT,
        _T.c.claimed_by == bindparam("worker", type_=String()),
        _T.c.state.in_(("pending", "failed")),
    )
    .values(state="sending", claimed_at=_NOW, attempts=_T.c.attempts + 1, updated_at=_NOW)
    .returning(*_T.c)
)
_UNRESERVE = (
    update(_T)
    .where(
        _T.c.id == bindparam("id"),
        _T.c.claimed_by == bindparam("worker"),
        _T.c.state.in_(("pending", "failed")),
    )
    .values(claimed_by=None, claimed_at=None)
)
_GIVE_BACK = (
    update(_T)
    .where(_T.c.id == bindparam("id"), _T.c.claimed_by == bindparam("worker"))
    .values(state=bindparam("state"), claimed_by=None, claimed_at=None, attempts=_T.c.attempts - 1)
)


@dataclass
class _Completion:
    done: Delivery | None  # None: take a reserved ``next_id``
    worker: str
    ref: str
    revision: int
    next_id: str | None
    reserve: bool = False


Apply = Callable[[AsyncConnection, datetime], Awaitable[Any]]


@dataclass
class _Queued:
    apply: Apply
    result: asyncio.Future[Any] = field(repr=False)


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
    ) -> Delivery | None:
        """Record ``done`` as sent (at ``ref``) and claim ``next_id`` if it is due, or with
        ``reserve`` only reserve it for this worker (``take`` claims it later).

        Returns:
            The claimed (or reserved) next unit, or None (none given, not due, or ``done``
            was no longer this worker's; then nothing of it was written).
        """
        item = _Completion(done, worker, ref, revision, next_id, reserve)
        return cast(Delivery | None, await self.queue(partial(_complete, item)))

    async def take(self, reserved: Delivery, worker: str) -> Delivery | None:
        """Claim a unit ``complete`` reserved (``sending``); None if it is no longer this
        worker's to take."""
        item = _Completion(None, worker, "", 0, reserved.id)
        return cast(Delivery | None, await self.queue(partial(_take, item)))

    async def fail(self, delivery: Delivery, worker: str, failure: Failure) -> bool:
        """Record a failed attempt (see ``record_failure``); False when the row was no
        longer this worker's."""
        return bool(
            await self.queue(lambda conn, now: record_failure(conn, now, delivery, worker, failure))
        )

    async def queue(self, apply: Apply) -> Any:
        """Run ``apply(connection, now)`` in the next batch's transaction; its result once
        committed. (A failure of any write in the batch fails the whole batch.)"""
        item = _Queued(apply, asyncio.get_running_loop().create_future())
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
            for item, result in zip(batch, results, strict=True):
                if not item.result.done():
                    item.result.set_result(result)

    async def _write(self, batch: list[_Queued]) -> list[Any]:
        conn = await self._connection()
        now = self._clock.now()
        async with conn.begin():
            results = [await item.apply(conn, now) for item in batch]
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


async def _take(item: _Completion, conn: AsyncConnection, now: datetime) -> Delivery | None:
    params = {"next": item.next_id, "worker": item.worker, "now": now}
    taken = (await conn.execute(_TAKE, params)).mappings().first()
    return None if taken is None else from_mapping(taken, _before(taken))


async def _complete(item: _Completion, conn: AsyncConnection, now: datetime) -> Delivery | None:
    assert item.done is not None
    params = {
        "done": item.done.id,
        "next": item.next_id or "",
        "worker": item.worker,
        "ref": item.ref,
        "revision": item.revision,
        "now": now,
    }
    statement = _COMPLETE_RESERVING if item.reserve else _COMPLETE
    rows = (await conn.execute(statement, params)).mappings().all()
    by_id = {row["id"]: row for row in rows}
    following = by_id.get(item.next_id) if item.next_id else None
    if item.done.id not in by_id:
        # Not ours any more (taken for dead): leave its successor as it was.
        if following is not None and item.reserve:
            await conn.execute(_UNRESERVE, {"id": following["id"], "worker": item.worker})
        elif following is not None:
            await conn.execute(
                _GIVE_BACK,
                {"id": following["id"], "worker": item.worker, "state": _before(following)},
            )
        log.warning("%s was no longer this worker's when it was recorded", item.done.id)
        return None
    if following is None:
        return None
    return from_mapping(following, _before(following))


def _before(row: Any) -> State:
    # A pending row has no next attempt time; a failed one keeps its own.
    return "failed" if row["next_attempt_at"] is not None else "pending"
