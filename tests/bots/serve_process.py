"""``haishin serve`` as a real subprocess for the serve tests: start, wait until healthy,
signal, kill -9, read its log."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

STARTUP_SECONDS = 180.0  # imports alone take seconds on a loaded CI machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServeProcess:
    """One ``haishin serve`` on a free port, its log in ``log_path``."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str = "serve") -> None:
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.workdir = workdir
        self.port = free_port()
        self.log_path = workdir / f"{name}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServeProcess:
        code = "from bots.cli import main; main()"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, "serve", "--port", str(self.port)],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    async def healthy(self, within: float = STARTUP_SECONDS) -> None:
        """``/healthz`` says 200 and the content folder's first scan is over."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        async with httpx.AsyncClient(timeout=2) as client:
            while loop.time() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(f"haishin serve exited early:\n{self.log()}")
                try:
                    response = await client.get(f"{self.url}/healthz")
                    if response.status_code == 200 and response.json()["content"] == "ok":
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"haishin serve not healthy in {within} s:\n{self.log()}")

    async def wait_log(self, text: str, within: float = 60.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while text not in self.log():
            if loop.time() > deadline:
                raise AssertionError(f"{text!r} not logged in {within} s:\n{self.log()}")
            await asyncio.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """``kill -9``: no chance to clean up."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    async def terminate(self, within: float = 60.0) -> int:
        """SIGTERM, then the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.process.poll() is None:
            if loop.time() > deadline:
                self.process.kill()
                raise AssertionError(f"no exit {within} s after SIGTERM:\n{self.log()}")
            await asyncio.sleep(0.1)
        return int(self.process.returncode)

    def stop_quietly(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)
