"""A bounded queue of inbound events and the worker tasks that handle them.

The webhook answers LINE at once and leaves the work here. Events are sharded by
conversation (one worker per shard), so one reader's messages are handled in the order they
were sent while different readers proceed in parallel. Past the bound an event is dropped and
counted, never buffered without limit: memory stays flat under any burst.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from core.storage.health import log_failure

log = logging.getLogger("haishin.line")

T = TypeVar("T")


class EventQueue(Generic[T]):
    """Shards of bounded asyncio queues, one worker task each.

    Args:
        handle: does the work for one item; its exceptions are logged, never raised.
        workers: how many items are handled at once (the number of shards).
        capacity: how many items may wait in all, beyond which ``offer`` drops.
        on_drop: called once per dropped item (a metric).
        name: for logs and task names.
        drain_seconds: how long ``stop`` lets queued items finish.
    """

    def __init__(
        self,
        handle: Callable[[T], Awaitable[None]],
        *,
        workers: int = 16,
        capacity: int = 2000,
        on_drop: Callable[[], None] | None = None,
        name: str = "line",
        drain_seconds: float = 10.0,
    ) -> None:
        if workers < 1 or capacity < workers:
            raise ValueError("need workers >= 1 and capacity >= workers")
        self._handle = handle
        self._on_drop = on_drop
        self.name = name
        self.drain_seconds = drain_seconds
        self.capacity = capacity
        self._shards: list[asyncio.Queue[T]] = [
            asyncio.Queue(maxsize=capacity // workers) for _ in range(workers)
        ]
        self._tasks: list[asyncio.Task[None]] = []
        self.dropped = 0
        self.handled = 0
        self.failed = 0

    @property
    def depth(self) -> int:
        """Items waiting now."""
        return sum(shard.qsize() for shard in self._shards)

    @property
    def running(self) -> bool:
        """True while the workers run."""
        return any(not task.done() for task in self._tasks)

    def offer(self, item: T, key: str = "") -> bool:
        """Queue an item for the shard of ``key`` (a conversation); False when it was dropped."""
        shard = self._shards[zlib.crc32(key.encode()) % len(self._shards)]
        try:
            shard.put_nowait(item)
        except asyncio.QueueFull:
            self.dropped += 1
            if self._on_drop is not None:
                self._on_drop()
            log.warning("%s queue full (%d waiting): event dropped", self.name, self.depth)
            return False
        return True

    async def start(self) -> None:
        """Start the workers (inside the running loop)."""
        if self.running:
            return
        self._tasks = [
            asyncio.create_task(self._work(shard), name=f"{self.name}-worker-{index}")
            for index, shard in enumerate(self._shards)
        ]

    async def join(self) -> None:
        """Wait until every queued item has been handled."""
        for shard in self._shards:
            await shard.join()

    async def stop(self) -> None:
        """Finish what is queued (for up to ``drain_seconds``), then stop the workers."""
        if self._tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.join(), self.drain_seconds)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _work(self, shard: asyncio.Queue[T]) -> None:
        while True:
            item = await shard.get()
            try:
                await self._handle(item)
                self.handled += 1
            except Exception as exc:
                self.failed += 1
                log_failure(log, exc, "%s event failed", self.name)
            finally:
                shard.task_done()
