"""A PostgreSQL server of a test's (or benchmark's) own, to break at will.

``initdb`` into a temporary folder and ``pg_ctl`` on a port of its own: the machine's shared
server is never stopped or reconfigured. Run as root, the server runs as the ``postgres``
user (PostgreSQL refuses root). ``available()`` says why not, where it can't start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return None


def available() -> str | None:
    """None when an own server can start here, else why not."""
    if _binary("initdb") is None or _binary("pg_ctl") is None:
        return "initdb/pg_ctl are not installed"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run the server as"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OwnPostgres:
    """One PostgreSQL cluster in a temporary folder.

    Args:
        listen: the addresses it listens on (``listen_addresses``).
        port: its port (default: a free one).
        settings: more ``postgresql.conf`` lines.
    """

    def __init__(
        self, *, listen: str = "127.0.0.1", port: int | None = None, settings: str = ""
    ) -> None:
        self.port = port or free_port()
        self.listen = listen
        self.folder = Path(tempfile.mkdtemp(prefix="haishin-pg-"))
        self.data = self.folder / "data"
        self.logfile = self.folder / "server.log"
        self._settings = settings
        self._user: list[str] = []
        if os.geteuid() == 0:
            self._user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres")
        self.host = listen.split(",")[0].strip()

    def url(self, database: str = "postgres", host: str | None = None) -> str:
        return f"postgresql://postgres@{host or self.host}:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._user, *args], check=check, capture_output=True, text=True, timeout=120
        )

    def init(self) -> OwnPostgres:
        self._run(
            str(_binary("initdb")), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        conf = self.data / "postgresql.conf"
        with conf.open("a", encoding="utf-8") as out:
            out.write(
                f"\nlisten_addresses = '{self.listen}'\nport = {self.port}\n"
                "unix_socket_directories = ''\nfsync = off\nmax_connections = 300\n"
                f"shared_buffers = 64MB\n{self._settings}\n"
            )
        hba = self.data / "pg_hba.conf"
        hba.write_text(hba.read_text() + "\nhost all all 0.0.0.0/0 trust\n")
        return self

    def start(self) -> None:
        self._run(str(_binary("pg_ctl")), "-D", str(self.data), "-l", str(self.logfile),
                  "-w", "-t", "60", "start")  # fmt: skip

    def running(self) -> bool:
        status = self._run(str(_binary("pg_ctl")), "-D", str(self.data), "status", check=False)
        return status.returncode == 0

    def stop(self, mode: str = "fast") -> None:
        self._run(str(_binary("pg_ctl")), "-D", str(self.data), "-m", mode, "-w", "stop",
                  check=False)  # fmt: skip

    def restart(self, mode: str = "immediate") -> None:
        self._run(str(_binary("pg_ctl")), "-D", str(self.data), "-l", str(self.logfile),
                  "-m", mode, "-w", "-t", "60", "restart", check=False)  # fmt: skip

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql.encode(), params)  # type: ignore[call-overload]
            return list(cursor.fetchall()) if cursor.description else []

    def create_database(self, name: str) -> str:
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def backends(self, where: str = "true", params: tuple[object, ...] = ()) -> list[int]:
        """The pids of client backends matching ``where`` (on ``pg_stat_activity``)."""
        rows = self.execute(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' "
            f"AND pid <> pg_backend_pid() AND ({where})",
            params,
        )
        return [int(str(row[0])) for row in rows]

    @contextlib.contextmanager
    def frozen(self, pids: list[int]) -> Iterator[list[int]]:
        """Stop these backends (SIGSTOP) for the block: their connections stay open and the
        kernel still acknowledges what is sent, but nothing is answered (a hung server)."""
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        try:
            yield pids
        finally:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.execute("SELECT 1")
                return
            except psycopg.Error:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def own_postgres(**kwargs: object) -> Iterator[OwnPostgres]:
    """A started server, destroyed (with its folder) after the block."""
    server = OwnPostgres(**kwargs).init()  # type: ignore[arg-type]
    try:
        server.start()
        yield server
    finally:
        server.destroy()


def own_postgres_or_skip() -> Iterator[OwnPostgres]:
    """A fixture's body: a PostgreSQL of the test's own, or the test skipped saying why.
    Use as ``server = pytest.fixture(scope="module", name="server")(own_postgres_or_skip)``."""
    reason = available()
    if reason:
        pytest.skip(f"no PostgreSQL of the test's own: {reason}")
    with own_postgres() as pg:
        yield pg
