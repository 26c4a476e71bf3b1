"""Exactly once while an editor works: ``haishin serve`` on SQLite fans an issue out to Slack
and LINE while ``haishin ingest``, ``deliveries`` and ``schedule`` run in a loop beside it
(each a writer or reader of the same database), and a few posts land only after haishin's
send timeout, as on a slow platform. Every channel ends with each post exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path

from tests.bots.serve_process import ServeProcess
from tests.bots.test_serve_crash import (
    CHANNELS,
    SEND_TIMEOUT,
    UNITS,
    assert_each_post_once,
    env_for,
    line_sends,
    prepare,
    settled,
)
from tests.fakes.line_api import FakeLineApi
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.waiting import until

LATE = (0.5, 1.5)  # a late post lands this long after the send timeout
SETTLE = SEND_TIMEOUT + 2.5  # HAISHIN_SETTLE_SECONDS here: the late posts land within it
EDITOR_COMMANDS = (["ingest"], ["deliveries"], ["schedule"])


async def editor(env: dict[str, str], workdir: Path, stop: asyncio.Event) -> int:
    """Run the editor's commands one after another until ``stop``; how many ran."""
    runs = 0
    code = "from bots.cli import main; main()"
    while not stop.is_set():
        for argv in EDITOR_COMMANDS:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                code,
                *argv,
                cwd=workdir,
                env={**os.environ, **env},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            _, err = await process.communicate()
            assert process.returncode == 0, f"haishin {argv[0]} failed:\n{err.decode()}"
            runs += 1
    return runs


async def test_editor_commands_during_a_slow_fan_out_leave_each_post_once(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'haishin.db'}"
    with (
        FakeSlackAPI() as slack,
        FakeLineApi(token="line-token", enforce_rate_limits=True) as line,
    ):
        await prepare(tmp_path, url, line)
        slack.rate_limit(1.0)
        slack.late(0.04, after=SEND_TIMEOUT, spread=LATE, seed=22)
        env = {**env_for(tmp_path, url, slack, line), "HAISHIN_SETTLE_SECONDS": str(SETTLE)}
        serve = ServeProcess(env, tmp_path, name="serve").start()
        stop = asyncio.Event()
        commands = asyncio.create_task(editor(env, tmp_path, stop))
        try:
            await serve.healthy()
            await until(lambda: slack.message_count() >= CHANNELS * UNITS, 240, "every post")
            await until(lambda: len(line_sends(line)) >= 3, 60, "every LINE batch sent")
            await until(lambda: slack.holding == 0, 60, "the held posts to land")
            stop.set()
            assert await commands > 0
            assert slack.landed_late > 0, "no post landed late: the test proves nothing"
            # Units whose post landed late settle (looked up, found) before the ledger is done.
            await settled(url, 120)
            assert_each_post_once(slack, line)
            assert await serve.terminate() == 0
        finally:
            stop.set()
            if not commands.done():
                commands.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await commands
            serve.stop_quietly()
