"""``haishin`` run as a person runs it: a subprocess, its output into a pipe or a terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import CONTENT, SAMPLE

CODE = "from bots.cli import main; main()"
TIMEOUT = 180.0  # imports alone take seconds on a loaded machine
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@dataclass(frozen=True, slots=True)
class Run:
    """What a command printed and its exit status."""

    status: int
    out: str
    err: str

    @property
    def said(self) -> str:
        """Everything printed, white space squeezed (for phrases Rich may wrap)."""
        return " ".join((self.out + self.err).split())


def sandbox(root: Path) -> dict[str, str]:
    """A content folder with the sample issue, a database path and no platform credentials."""
    content = root / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    return {
        "HAISHIN_DATABASE_URL": f"sqlite:///{root / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(content),
        "SLACK_SIGNING_SECRET": "",
        "SLACK_BOT_TOKEN": "",
        "SLACK_CLIENT_ID": "",
        "SLACK_CLIENT_SECRET": "",
        "LINE_CHANNEL_SECRET": "",
        "LINE_CHANNEL_ACCESS_TOKEN": "",
        "HAISHIN_PUBLIC_URL": "",
    }


def _environ(env: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR")}
    return {**base, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", **env}


def haishin(env: dict[str, str], *args: str, cwd: Path) -> Run:
    """Run ``haishin ARGS`` with its output into pipes."""
    done = subprocess.run(
        [sys.executable, "-c", CODE, *args],
        cwd=cwd,
        env=_environ(env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def haishin_tty(env: dict[str, str], *args: str, cwd: Path, columns: int) -> Run:
    """Run ``haishin ARGS`` in a pseudo-terminal ``columns`` wide; escape codes removed."""
    leader, follower = pty.openpty()
    os.set_blocking(leader, False)
    import fcntl
    import struct
    import termios

    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-c", CODE, *args],
        cwd=cwd,
        env=_environ(env),
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([leader], [], [], TIMEOUT)
        if not ready:
            process.kill()
            raise AssertionError("haishin printed nothing for too long")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    status = process.wait(timeout=TIMEOUT)
    text = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
    return Run(status, _ANSI.sub("", text), "")
