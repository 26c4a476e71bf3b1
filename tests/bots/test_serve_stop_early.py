"""A SIGTERM while ``haishin serve`` is still starting stops it there (issue 18's known gap:
until uvicorn owned SIGTERM, one that came during start-up was ignored, and a supervisor's
stop waited for its own timeout and a kill -9)."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.bots.serve_process import ServeProcess
from tests.bots.test_serve import fresh_env
from tests.conftest import CONTENT
from tests.fakes.waiting import until


class SilentServer:
    """A TCP server on loopback that accepts connections and never says a word: a database
    server that hangs."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed
                return
            self.accepted.append(connection)

    @contextmanager
    def running(self) -> Iterator[SilentServer]:
        self._thread.start()
        try:
            yield self
        finally:
            self._listener.close()
            for connection in self.accepted:
                connection.close()


async def test_a_sigterm_while_the_database_hangs_at_start_stops_serve_at_once(
    tmp_path: Path,
) -> None:
    workdir = tmp_path
    (workdir / "content" / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", workdir / "content")
    with SilentServer().running() as silent:
        env = fresh_env(workdir) | {
            # Left alone, the start would wait five minutes for this server to answer.
            "HAISHIN_DATABASE_URL": (
                f"postgresql://haishin@127.0.0.1:{silent.port}/haishin?connect_timeout=300"
            ),
        }
        serve = ServeProcess(env, workdir).start()
        try:
            process = serve.process
            assert process is not None
            await until(
                lambda: bool(silent.accepted) or process.poll() is not None, 120, "asking the DB"
            )
            assert process.poll() is None, serve.log()
            assert await serve.terminate(within=60) == 0
        finally:
            serve.stop_quietly()
