"""Scratch PostgreSQL databases for tests and benchmarks: created empty, dropped after.

``DROP DATABASE`` makes the server take a checkpoint and waits for it (PostgreSQL 15): on a
server that many tests write to at once, a second or more each time. The test suite drops
its databases in a thread of its own instead (``later=True``), so no test waits for that,
and waits for the last drops when the session ends (``DROPS.wait``).
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
import uuid
from collections.abc import Iterator


def _drop(dsn: str, name: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True, connect_timeout=30) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class BackgroundDrops:
    """Drops databases one after another in a daemon thread, started on the first."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, str]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.failed: list[str] = []

    def put(self, dsn: str, name: str) -> None:
        """Drop ``name`` soon."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="scratch-database-drops", daemon=True
                )
                self._thread.start()
        self._queue.put((dsn, name))

    def _run(self) -> None:
        while True:
            dsn, name = self._queue.get()
            try:
                _drop(dsn, name)
            except Exception as exc:  # the session end says which were left behind
                self.failed.append(f"{name}: {exc}")
            finally:
                self._queue.task_done()

    def wait(self, within: float = 120.0) -> None:
        """Until every database handed over is dropped (or ``within`` seconds passed);
        says on stderr which could not be."""
        deadline = time.monotonic() + within
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        left = self._queue.unfinished_tasks
        if left or self.failed:
            print(
                f"scratch databases not dropped: {left} still queued; {self.failed}",
                file=sys.stderr,
            )


DROPS = BackgroundDrops()


@contextlib.contextmanager
def scratch_database(
    admin_url: str, prefix: str = "haishin_test", *, later: bool = False
) -> Iterator[str]:
    """A new database on ``admin_url``'s server, as a URL; dropped (forcibly) on exit, or
    with ``later`` handed to ``DROPS`` to be dropped in the background."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url).set(drivername="postgresql")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        if later:
            DROPS.put(dsn, name)
        else:
            _drop(dsn, name)
