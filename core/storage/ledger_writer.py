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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncConnection

from core.clock import Clock
from core.ledger import Delivery, Failure, Settled
from core.storage.completions import Completion, complete_all, record_failure
from core.storage.database import Database

Apply = Callable[[AsyncConnection, datetime], Awaitable[Any]]
# The name the groups' database faults are reported under (``WriteHealth``); a batch
# written says the database takes the sends' writes again.
SENDS = "delivery sends"


@dataclass
class _Queued:
    result: asyncio.Future[Any] = field(repr=False)
    completion: Completion | None = None
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
        item = Completion(done, worker, ref, revision, next_id, reserve, settled)
        return cast(Delivery | None, await self._queued(_Queued(_future(), completion=item)))

    async def take(self, reserved: Delivery, worker: str) -> Delivery | None:
        """Claim a unit ``complete`` reserved (``sending``); None if it is no longer this
        worker's to take."""
        item = Completion(None, worker, "", 0, reserved.id)
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
            done = iter(await complete_all(conn, now, completions, self._db.dialect))
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


def _future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()
