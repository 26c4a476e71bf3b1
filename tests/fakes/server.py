"""The base of every fake server: an aiohttp application on ``127.0.0.1`` (a free port),
served from a thread with its own event loop, so that synchronous tests (the CLI's) and
subprocesses (``haishin serve``) can reach it as they would the real service."""

from __future__ import annotations

import asyncio
import threading
from typing import Self

from aiohttp import web


class LoopbackServer:
    """Start, stop and address a fake; a subclass says what it serves in ``application``.

    Class attributes: ``thread_name`` (seen in a hung test's thread dump), ``backlog`` (how
    many connections may wait to be accepted: a fan-out opens many at once), and
    ``shutdown_timeout`` (how long open requests get to finish on ``stop``).
    """

    thread_name = "fake-server"
    host = "127.0.0.1"  # the address it listens on (a multi-host run's bridge, say)
    backlog = 128
    shutdown_timeout = 60.0

    def __init__(self) -> None:
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        """The routes this fake answers (called on the server's own loop)."""
        raise NotImplementedError

    async def stopping(self) -> None:
        """Called on the server's loop before it stops: release what handlers wait for."""

    @property
    def base(self) -> str:
        """``http://HOST:PORT`` (once started; ``127.0.0.1`` unless told otherwise)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        """Serve on a free port; ``port`` and ``base`` are set when this returns."""
        ready = threading.Event()
        failed: list[BaseException] = []
        loop = self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # handed to the starting thread
                failed.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name=self.thread_name, daemon=True)
        self._thread.start()
        if not ready.wait(10) or failed:
            raise RuntimeError(f"{type(self).__name__} did not start") from (
                failed[0] if failed else None
            )
        return self

    def stop(self) -> None:
        """Stop serving and join the thread (idempotent)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def shutdown() -> None:
            await self.stopping()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(self.shutdown_timeout + 10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        self._loop = self._thread = self._runner = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self) -> None:
        self._runner = web.AppRunner(
            self.application(),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=self.shutdown_timeout,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0, backlog=self.backlog)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
