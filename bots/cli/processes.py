"""``haishin serve --workers N``: N serving processes on one address, one scheduler.

The parent (this module) applies the migrations once, opens the listening sockets and
starts N children, each a complete ``haishin serve`` that inherits one socket: web routes,
delivery workers, and the scheduler's leadership try; the first also watches the content
folder. Exactly one child
wins leadership (PostgreSQL: an advisory lock; SQLite: a file lock beside the database);
the others stand by and take over if it stops. On Linux each child gets a socket of its own
bound with ``SO_REUSEPORT``, so the kernel spreads new connections evenly; elsewhere they
share one socket.

A child that dies is started again (after 1 s, doubling up to 30 s while it keeps dying
young) on the same socket, so connections that arrived meanwhile wait in its backlog.
SIGTERM or Ctrl-C is passed on to every child; the parent exits 0 once all have shut down
cleanly (each finishes its sends under way, see ``bots.cli.serve``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.errors import ConfigError

if TYPE_CHECKING:
    from bots.settings import Settings

log = logging.getLogger("haishin")

FD_VARIABLE = "HAISHIN_WORKER_FD"  # set in a child: the fd of its listening socket
INDEX_VARIABLE = "HAISHIN_WORKER"
BACKLOG = 2048
YOUNG = 10.0  # seconds: a child that dies sooner counts as failing to start
GIVE_UP_AFTER = 5  # young deaths in a row before the parent stops everything
STOP_SECONDS = 60.0  # how long children may take to shut down (they allow 20 s for sends)


def inherited_sockets() -> list[socket.socket] | None:
    """In a child of ``--workers``: the listening socket it inherited, else None."""
    fd = os.environ.get(FD_VARIABLE)
    if not fd:
        return None
    return [socket.socket(fileno=int(fd))]


def watches_content() -> bool:
    """Whether this process watches the content folder: every ``haishin serve`` but the
    children of ``--workers`` after the first (one watcher per folder is enough; several
    would each ingest and log every file)."""
    return os.environ.get(INDEX_VARIABLE, "1") == "1"


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets listening on (host, port), one per child where the OS allows.

    Raises:
        OSError: the address is taken or can't be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Bound once without SO_REUSEPORT first: an address some other program (or another
    # haishin) holds is refused here rather than silently shared.
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    shared = not hasattr(socket, "SO_REUSEPORT")
    sockets = []
    for _ in range(1 if shared else count):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if not shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets * count if shared else sockets


@dataclass
class Child:
    """One serving process and its socket."""

    index: int
    sock: socket.socket
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    young_deaths: int = 0
    restart_at: float | None = None
    backoff: float = field(default=1.0)

    def start(self) -> None:
        env = {
            **os.environ,
            FD_VARIABLE: str(self.sock.fileno()),
            INDEX_VARIABLE: str(self.index),
        }
        self.process = subprocess.Popen(self.argv, env=env, pass_fds=(self.sock.fileno(),))
        self.started = time.monotonic()
        self.restart_at = None
        log.info("worker %d started (pid %d)", self.index, self.process.pid)


def supervise(argv: list[str], sockets: list[socket.socket]) -> int:
    """Run one child per socket until SIGTERM/SIGINT; the exit status for the parent.

    Args:
        argv: the command line of a child (``haishin serve`` with the same options).
        sockets: from ``listening_sockets``.
    """
    children = [Child(index, sock, argv) for index, sock in enumerate(sockets, start=1)]
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.start()
    while not stopping:
        time.sleep(0.2)
        now = time.monotonic()
        for child in children:
            if child.restart_at is not None:
                if now >= child.restart_at and not stopping:
                    child.start()
                continue
            assert child.process is not None
            status = child.process.poll()
            if status is None:
                continue
            if now - child.started < YOUNG:
                child.young_deaths += 1
                child.backoff = min(child.backoff * 2, 30.0) if child.young_deaths > 1 else 1.0
            else:
                child.young_deaths, child.backoff = 0, 1.0
            if child.young_deaths >= GIVE_UP_AFTER:
                log.error(
                    "worker %d keeps exiting at start (status %s); stopping haishin serve",
                    child.index,
                    status,
                )
                _stop_all(children)
                return 1
            log.error(
                "worker %d (pid %d) exited with status %s; starting it again in %.0f s",
                child.index,
                child.process.pid,
                status,
                child.backoff,
            )
            child.restart_at = now + child.backoff
    return _stop_all(children)


def _stop_all(children: list[Child]) -> int:
    """SIGTERM every child, wait for them (kill what is left after ``STOP_SECONDS``)."""
    running = [c.process for c in children if c.process is not None and c.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    status = 0
    for process in running:
        try:
            code = process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.error("worker pid %d did not stop in %.0f s; killed", process.pid, STOP_SECONDS)
            process.kill()
            code = process.wait()
        status = status or (0 if code == 0 else 1)
    return status


def child_argv(host: str, port: int, log_format: str | None) -> list[str]:
    """The command line of one child: this ``haishin serve`` without ``--workers``."""
    argv = [sys.executable, "-c", "from bots.cli import main; main()", "serve"]
    argv += ["--host", host, "--port", str(port)]
    if log_format:
        argv += ["--log-format", log_format]
    return argv


def run_workers(
    settings: Settings, host: str, port: int, workers: int, log_format: str | None
) -> int:
    """``haishin serve --workers N`` in the parent: migrate, listen, supervise."""
    from bots.cli.common import fail

    try:
        if settings.slack_oauth:
            settings.slack_token_cipher()  # as each child will, before starting them
        asyncio.run(_migrate(settings))
    except ConfigError as exc:
        fail(str(exc))
    try:
        sockets = listening_sockets(host, port, workers)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}; is it in use?")
    bound = sockets[0].getsockname()[1]
    log.info("haishin serving on http://%s:%d/ with %d worker processes", host, bound, workers)
    status = supervise(child_argv(host, bound, log_format), sockets)
    log.info("haishin stopped")
    return status


async def _migrate(settings: Settings) -> None:
    """Bring the schema up to date once, before the children start (they find it done).

    Like ``bootstrap``'s, without importing it: the supervisor stays small for its lifetime.
    """
    from core.storage.database import Database

    database = Database.from_url(settings.database_url)
    try:
        await database.migrate(apart=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot reach the database at {settings.database_url}: {exc}; "
            "check HAISHIN_DATABASE_URL"
        ) from exc
    finally:
        await database.dispose()
