"""Exactly one scheduler per database: who may run it.

APScheduler 3 can't share a job store between processes (its FAQ: "You can't"), so every
``haishin serve`` competes for leadership and only the leader runs a scheduler; the others
stand by and take over when the leader goes.

- PostgreSQL: a session advisory lock held on a dedicated connection (its own engine with no
  pool, so the lock can never be left behind in a pooled connection). If that connection
  dies, the server releases the lock; the leader notices at its next check and stops.
- SQLite: an OS lock on a file beside the database (``haishin.db.scheduler.lock``), released
  by the OS when the process dies, ``kill -9`` included.
"""

from __future__ import annotations

import contextlib
import logging
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from core.errors import ConfigError
from core.storage.database import Database

log = logging.getLogger("haishin.scheduler")

# Advisory lock key for the scheduler: fixed forever (see core.storage.database for others).
SCHEDULER_LOCK = 0x6861_6973_6869_0003


class Leadership(ABC):
    """The right to run the scheduler on one database."""

    @abstractmethod
    async def acquire(self) -> bool:
        """Try to become the leader now, without waiting; True on success."""

    @abstractmethod
    async def held(self) -> bool:
        """While leader: True if the lock is still ours (False: stop the scheduler now)."""

    @abstractmethod
    async def release(self) -> None:
        """Give up leadership (idempotent)."""

    @abstractmethod
    def holder(self) -> str:
        """Who holds it, in words for a log line (best effort)."""


class PostgresLeadership(Leadership):
    """``pg_try_advisory_lock`` on a connection of its own."""

    def __init__(self, db: Database, key: int = SCHEDULER_LOCK) -> None:
        self._engine: AsyncEngine = create_async_engine(
            db.url, poolclass=NullPool, hide_parameters=True
        )
        self._key = key
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        conn = await self._engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = bool(
                await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
            )
        except Exception:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            count = await self._conn.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() "
                    "AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": self._key},
            )
        except Exception as exc:
            log.error("scheduler: lost the database connection that holds leadership: %s", exc)
            await self._drop()
            return False
        return bool(count)

    async def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
                )
        await self._drop()

    async def close(self) -> None:
        """Release and dispose of the dedicated engine."""
        await self.release()
        await self._engine.dispose()

    def holder(self) -> str:
        return "another haishin serve on this PostgreSQL database"

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()


class FileLeadership(Leadership):
    """An exclusive ``flock`` on ``path``; the file holds the leader's pid for messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    async def acquire(self) -> bool:
        import fcntl

        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    async def held(self) -> bool:
        return self._file is not None

    async def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            import fcntl

            with contextlib.suppress(OSError):
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    def holder(self) -> str:
        try:
            pid = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            pid = ""
        return f"another haishin serve (pid {pid or 'unknown'})"


def leadership_for(db: Database) -> Leadership:
    """The leadership that fits the database.

    Raises:
        ConfigError: a SQLite URL that names no file.
    """
    if db.dialect == "postgresql":
        return PostgresLeadership(db)
    database = db.url.database or ""
    if not database or database.startswith("file:"):
        raise ConfigError(f"cannot place the scheduler lock beside SQLite database {database!r}")
    return FileLeadership(
        Path(database).expanduser().resolve().with_name(Path(database).name + ".scheduler.lock")
    )
