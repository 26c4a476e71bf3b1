"""Handle each webhook event once, without a database write on every answer.

LINE and Slack send an event a second time only as a redelivery (LINE:
``deliveryContext.isRedelivery``; Slack: an ``X-Slack-Retry-Num`` header), after they failed
to get our 200 in time. So a first delivery needs no lookup: it is remembered in memory at
once and written to ``processed_events`` in batches shortly after (one statement for many
events); a redelivery is checked against the database (after any pending batch is written),
so it is recognised whichever process handled the original. The only gap: an event answered
in the last fraction of a second before a crash, then redelivered, is answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib

from cachetools import FIFOCache

from core.clock import Clock
from core.storage import Database, ProcessedEvents

PENDING_MAX = 50_000  # event ids kept for writing while the database refuses writes


class EventDeduplicator:
    """Says whether an event is new, remembering it in memory and (soon) in the database.

    Args:
        db: where handled events are recorded for every process.
        clock: the time events are recorded at.
        platform: whose events (``line``, ``slack``): ids are unique per platform.
        memory: how many recent event ids to keep in memory.
        flush_every: seconds between batch writes.
        batch: write at once when this many are waiting.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        platform: str,
        memory: int = 10_000,
        flush_every: float = 0.2,
        batch: int = 500,
    ) -> None:
        self.db = db
        self.clock = clock
        self.platform = platform
        # FIFO, not LRU: a platform redelivers an event within minutes of the first try, so
        # the oldest id is the one least likely to come again, however often it was seen.
        self._memory: FIFOCache[str, None] = FIFOCache(memory)
        self._pending: list[str] = []
        self._flush_every = flush_every
        self._batch = batch
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def first_time(self, event_id: str, *, redelivery: bool) -> bool:
        """True when the event has not been handled before (and now counts as handled)."""
        if event_id in self._memory:
            return False
        if redelivery:
            await self.flush()
            if not await ProcessedEvents(self.db).first_time(
                self.platform, event_id, self.clock.now()
            ):
                self._remember(event_id)
                return False
            self._remember(event_id)
            return True
        self._remember(event_id)
        self._pending.append(event_id)
        if len(self._pending) >= self._batch:
            self._wake.set()
        return True

    def _remember(self, event_id: str) -> None:
        self._memory[event_id] = None

    async def flush(self) -> None:
        """Write the waiting event ids in one transaction."""
        async with self._lock:
            pending, self._pending = self._pending, []
            if not pending:
                return
            try:
                await ProcessedEvents(self.db, clock=self.clock).record_many(
                    self.platform, pending, self.clock.now()
                )
            except Exception:
                # Try again next time; while the database refuses, keep the newest only
                # (memory still knows them all; only a redelivery to another process
                # after a long outage could be answered twice).
                self._pending = (pending + self._pending)[-PENDING_MAX:]
                raise

    async def start(self) -> None:
        """Start writing batches in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self.platform}-dedupe")

    async def stop(self) -> None:
        """Write what is waiting and stop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        writer = f"handled {self.platform} events"
        pause = self._flush_every
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause)
            self._wake.clear()
            try:
                await self.flush()
            except Exception as exc:  # logged once per outage, retried with growing pauses
                pause = max(self._flush_every, self.db.health.failed(writer, exc))
            else:
                self.db.health.succeeded(writer)
                pause = self._flush_every
