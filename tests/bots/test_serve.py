"""``haishin serve`` as one dependable process: starts on a fresh machine, ingests what
appears, shuts down cleanly, keeps a single scheduler per database."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from core.storage import IssueRepository
from core.storage.database import Database
from tests.bots.serve_process import ServeProcess
from tests.conftest import CONTENT, SAMPLE
from tests.fakes.waiting import until


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A fresh machine: the sample content, no database yet, no platform accounts."""
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    return tmp_path


def fresh_env(workdir: Path) -> dict[str, str]:
    return {
        "HAISHIN_DATABASE_URL": f"sqlite:///{workdir / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(workdir / "content"),
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "SLACK_CLIENT_ID": "",
        "SLACK_CLIENT_SECRET": "",
        "LINE_CHANNEL_SECRET": "",
        "LINE_CHANNEL_ACCESS_TOKEN": "",
    }


@pytest.fixture
async def running(workdir: Path) -> AsyncIterator[ServeProcess]:
    serve = ServeProcess(fresh_env(workdir), workdir).start()
    try:
        await serve.healthy()
        yield serve
    finally:
        serve.stop_quietly()


async def stored_numbers(url: str) -> list[int]:
    db = Database.from_url(url)
    try:
        return [s.number for s in await IssueRepository(db).all_issues()]
    finally:
        await db.dispose()


async def test_a_fresh_machine_serves_ingests_and_stops_cleanly(
    running: ServeProcess, workdir: Path
) -> None:
    async with httpx.AsyncClient(base_url=running.url) as http:
        health = (await http.get("/healthz")).json()
        assert health["database"] == "ok"
        assert health["platforms"]["slack"] == {"on": False}
        metrics = (await http.get("/metrics")).text
    for name in (
        "haishin_deliveries_total",
        "haishin_send_latency_seconds",
        "haishin_webhook_requests_total",
        "haishin_scheduler_lag_seconds",
        "haishin_ledger_rows",
    ):
        assert f"# TYPE {name}" in metrics
    url = f"sqlite:///{workdir / 'haishin.db'}"
    assert await stored_numbers(url) == [1]
    log = running.log()
    assert "Slack is off" in log and "LINE is off" in log
    assert "this process leads" in log

    # A new issue file is picked up while running (the watcher; at the latest the rescan).
    new = workdir / "content" / "issues" / "2025-10-11.txt"
    new.write_text(
        "---\ntitle: 翌週号\n---\n" + SAMPLE.read_text(encoding="utf-8"), encoding="utf-8"
    )

    async def both_stored() -> bool:
        return await stored_numbers(url) == [1, 2]

    await until(both_stored, 60, "the new issue stored")

    assert await running.terminate() == 0
    log = running.log()
    assert "delivery worker" in log and "stopped" in log
    assert log.rstrip().endswith("haishin stopped")
    assert "Traceback" not in log


async def test_a_second_process_on_the_same_sqlite_file_runs_no_scheduler(
    running: ServeProcess, workdir: Path
) -> None:
    second = ServeProcess(fresh_env(workdir), workdir, name="second").start()
    try:
        await second.healthy()
        await second.wait_log("will not start another")
        log = second.log()
        assert "already runs the scheduler" in log
        assert "this process leads" not in log
        assert "Scheduler started" not in log
        # The first one goes; the second takes the scheduler over.
        assert await running.terminate() == 0
        await second.wait_log("this process leads", within=30)
        assert await second.terminate() == 0
    finally:
        second.stop_quietly()
