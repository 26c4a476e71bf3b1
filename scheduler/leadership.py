"""Exactly one scheduler per database: who may run it.

APScheduler 3 can't share a job store between processes (its FAQ: "You can't"), so every
``haishin serve`` competes for leadership and only the leader runs a scheduler; the others
stand by and take over when the leader goes.

- PostgreSQL: a session advisory lock held on a dedicated connection (psycopg's own, no
  pool, so the lock can never be left behind in a pooled connection). The leader watches
  that session: it waits on the connection between checks, so a session the server ends
  (``pg_terminate_backend``, a restart) is seen at once, and it asks every ``check_every``
  whether the lock is still its own, with a deadline (``CONFIRM_TIMEOUT``). A leader steps
  down when a check gets no answer (at most ``check_every`` + ``CONFIRM_TIMEOUT``, 6 s, after
  its last confirmation) or, after its event loop stalled 20 s, as soon as it runs again
  (``LEASE``); the server drops a silent lock session (and frees the lock) only after about
  25 s (``LOCK_SESSION``), so an old leader has stopped before a new one can start.
  A standby takes over within ``check_every`` of the lock being free: about 2 s after a
  leader's process dies or its session ends, about 27 s after its host is cut off.
- SQLite: an OS lock on a file beside the database (``haishin.db.scheduler.lock``), released
  by the OS when the process dies, ``kill -9`` included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from core.errors import ConfigError
from core.storage.database import Database, pg_connect_args

if TYPE_CHECKING:  # loaded by the PostgreSQL leadership only: a SQLite serve never needs it
    import psycopg

log = logging.getLogger("haishin.scheduler")

# Advisory lock key for the scheduler: fixed forever (see core.storage.database for others).
SCHEDULER_LOCK = 0x6861_6973_6869_0003
# A leader steps down when a check of its lock gets no answer this fast; with the pause
# between checks (2 s) that stays well under the ~11 s the server takes to end a silent
# session (keepalives 5 s + 3 x 2 s, tcp_user_timeout 10 s).
CONFIRM_TIMEOUT = 4.0
# A leader that could not confirm its lock for this long (its loop stalled: by the job
# store's synchronous calls to a database that stopped answering, or a starved CPU) steps
# down at once. (10 s made leaders flap on a loaded 2-core machine mid fan-out.)
LEASE = 20.0
# The server keeps a silent lock session for about 25 s (keepalives after 10 s idle, three
# probes 5 s apart; unacknowledged data 25 s): well past any leader's step-down.
LOCK_SESSION = {
    "options": "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 "
    "-c tcp_keepalives_count=3 -c tcp_user_timeout=25000 -c statement_timeout=10s "
    "-c lock_timeout=5s -c idle_in_transaction_session_timeout=60s",
}
CONNECT_TIMEOUT = 8.0


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

    async def wait(self, seconds: float) -> None:
        """Pause ``seconds`` before the next check; may return early when the lock is lost."""
        await asyncio.sleep(seconds)


class PostgresLeadership(Leadership):
    """``pg_try_advisory_lock`` on a watched connection of its own (module docstring)."""

    def __init__(
        self,
        db: Database,
        key: int = SCHEDULER_LOCK,
        *,
        confirm_timeout: float = CONFIRM_TIMEOUT,
    ) -> None:
        url = db.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._connect_args: dict[str, Any] = pg_connect_args(db.url) | LOCK_SESSION
        self._key = key
        self.confirm_timeout = confirm_timeout
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._lost: str | None = None
        self._confirmed = 0.0

    async def acquire(self) -> bool:
        import psycopg

        async with asyncio.timeout(CONNECT_TIMEOUT):
            conn = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, **self._connect_args
            )
        try:
            async with asyncio.timeout(self.confirm_timeout):
                cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,))
                row = await cursor.fetchone()
        except BaseException:
            await _close(conn)
            raise
        if not (row and row[0]):
            await _close(conn)
            return False
        self._conn, self._lost, self._confirmed = conn, None, time.monotonic()
        return True

    async def wait(self, seconds: float) -> None:
        conn = self._conn
        if conn is None:
            await asyncio.sleep(seconds)
            return
        try:
            # Returns after ``seconds``; raises at once when the server ends the session.
            async with asyncio.timeout(seconds + 1.0):
                async for _ in conn.notifies(timeout=seconds):
                    pass
        except TimeoutError:
            pass
        except Exception as exc:
            self._lost = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"

    async def held(self) -> bool:
        conn = self._conn
        if conn is None:
            return False
        stale = time.monotonic() - self._confirmed
        if self._lost is None and stale > LEASE:
            self._lost = f"its lock not confirmed for {stale:.0f} s"
        if self._lost is None:
            began = time.monotonic()
            # Not ``asyncio.timeout``: a cancelled query makes psycopg wait up to 5 s more
            # for the server to confirm, and a leader must step down on time.
            check = asyncio.create_task(self._count(conn))
            done, _ = await asyncio.wait({check}, timeout=self.confirm_timeout)
            if not done:
                check.cancel()
                self._lost = f"no answer from the database within {self.confirm_timeout:.0f} s"
            elif (exc := check.exception()) is not None:
                self._lost = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
            elif check.result():
                self._confirmed = began
                return True
            else:
                self._lost = "the lock is no longer this session's"
        log.error("scheduler: lost the database session that holds leadership: %s", self._lost)
        await self._drop()
        return False

    async def _count(self, conn: psycopg.AsyncConnection[Any]) -> bool:
        cursor = await conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = %s",
            (self._key,),
        )
        row = await cursor.fetchone()
        return bool(row and row[0])

    async def release(self) -> None:
        conn = self._conn
        if conn is not None and self._lost is None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.confirm_timeout):
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
        await self._drop()

    async def close(self) -> None:
        """Release the lock and close its connection."""
        await self.release()

    def holder(self) -> str:
        return "another haishin serve on this PostgreSQL database"

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await _close(conn)


async def _close(conn: psycopg.AsyncConnection[Any]) -> None:
    # Closing a connection whose peer is gone must not wait on the network.
    with contextlib.suppress(Exception):
        async with asyncio.timeout(1.0):
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
