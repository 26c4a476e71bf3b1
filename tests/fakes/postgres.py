"""Scratch PostgreSQL databases for tests and benchmarks: created empty, dropped after.

``DROP DATABASE`` makes the server take a checkpoint and waits for it (PostgreSQL 15): on a
server that many tests write to at once, up to a second or more each time, and every other
session's writes wait for the flush too. The test suite keeps its databases to the end of
the session instead (``later=True``) and then drops them all at once (``DROPS.drop_all``):
drops that come together share their checkpoints (12 in 0.1 s on an idle server, one
after another 0.6 s).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import uuid
from collections.abc import Iterator


def _drop(dsn: str, name: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True, connect_timeout=30) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class LaterDrops:
    """Databases to drop when the session ends, all at once."""

    def __init__(self) -> None:
        self._waiting: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def put(self, dsn: str, name: str) -> None:
        """Drop ``name`` at the end."""
        with self._lock:
            self._waiting.append((dsn, name))

    def drop_all(self) -> None:
        """Drop every database handed over, each from a thread of its own; says on stderr
        which could not be."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
        failed: list[str] = []

        def drop(dsn: str, name: str) -> None:
            try:
                _drop(dsn, name)
            except Exception as exc:
                failed.append(f"{name}: {exc}")

        threads = [threading.Thread(target=drop, args=pair) for pair in waiting]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failed:
            print(f"scratch databases not dropped: {failed}", file=sys.stderr)


DROPS = LaterDrops()


@contextlib.contextmanager
def scratch_database(
    admin_url: str, prefix: str = "haishin_test", *, later: bool = False
) -> Iterator[str]:
    """A new database on ``admin_url``'s server, as a URL; dropped (forcibly) on exit, or
    with ``later`` handed to ``DROPS`` to be dropped when the session ends."""
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
