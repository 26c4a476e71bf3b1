"""Which delivery workers are alive: a heartbeat row per worker.

Rows a worker claimed can be claimed again once it stops beating (see ``ClaimRepository``). A
worker that starts on a host also clears the rows of workers on that host whose process is
gone (``kill -9``, a crash), so a restarted ``haishin serve`` picks up its own unfinished
sends at once instead of waiting out the timeout.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from core.storage.base import Repository
from core.storage.models import DeliveryWorkerRow


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """A registered worker."""

    id: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime


def new_worker_id(host: str | None = None, pid: int | None = None) -> str:
    """``host:pid:random``: unique, and says where the worker runs."""
    return f"{host or socket.gethostname()}:{pid or os.getpid()}:{uuid.uuid4().hex[:8]}"


# Workers running in this process: a worker row with our pid but another id is an earlier
# life of this pid (containers restart as pid 1), unless it is one of these.
_HERE: set[str] = set()


def process_alive(pid: int) -> bool:
    """True when a process with this id runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class HeartbeatRepository(Repository):
    """The ``delivery_workers`` table: a row per live delivery worker, beating."""

    async def register(self, worker_id: str, *, host: str, pid: int) -> None:
        """Record a worker as alive now."""
        now = self._clock.now()
        if pid == os.getpid():
            _HERE.add(worker_id)
        async with self._write() as session:
            row = await session.get(DeliveryWorkerRow, worker_id)
            if row is None:
                session.add(
                    DeliveryWorkerRow(
                        id=worker_id, host=host, pid=pid, started_at=now, heartbeat_at=now
                    )
                )
            else:
                row.heartbeat_at = now

    async def heartbeat(self, worker_id: str) -> bool:
        """Say the worker is still alive; False if its row is gone (then register again)."""
        async with self._write() as session:
            result = await session.execute(
                update(DeliveryWorkerRow)
                .where(DeliveryWorkerRow.id == worker_id)
                .values(heartbeat_at=self._clock.now())
            )
            return bool(getattr(result, "rowcount", 0))

    async def unregister(self, worker_id: str) -> None:
        """Remove a worker that stopped cleanly."""
        _HERE.discard(worker_id)
        async with self._write() as session:
            await session.execute(
                delete(DeliveryWorkerRow).where(DeliveryWorkerRow.id == worker_id)
            )

    async def live(self, silence: timedelta) -> list[WorkerInfo]:
        """Workers that beat within the last ``silence``."""
        query = select(DeliveryWorkerRow).where(
            DeliveryWorkerRow.heartbeat_at >= self._clock.now() - silence
        )
        async with self._read() as session:
            return [_info(row) for row in await session.scalars(query)]

    async def forget_dead(
        self,
        *,
        host: str,
        keep: str,
        silence: timedelta,
        alive: Callable[[int], bool] = process_alive,
    ) -> list[str]:
        """Remove workers of ``host`` whose process is gone, and any worker silent for
        ``silence``; ``keep`` (the caller) stays.

        Returns:
            The ids removed.
        """
        stale_before = self._clock.now() - silence
        async with self._write() as session:
            rows = list(await session.scalars(select(DeliveryWorkerRow)))
            gone = [
                row.id
                for row in rows
                if row.id != keep
                and (
                    row.heartbeat_at < stale_before or (row.host == host and not _alive(row, alive))
                )
            ]
            if gone:
                await session.execute(
                    delete(DeliveryWorkerRow).where(DeliveryWorkerRow.id.in_(gone))
                )
            return gone


def _alive(row: DeliveryWorkerRow, alive: Callable[[int], bool]) -> bool:
    if row.pid == os.getpid():
        return row.id in _HERE
    return alive(row.pid)


def _info(row: DeliveryWorkerRow) -> WorkerInfo:
    return WorkerInfo(row.id, row.host, row.pid, row.started_at, row.heartbeat_at)
