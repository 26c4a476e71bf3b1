"""The content watcher of a running ``haishin serve`` meets a careless editor: a bad file
next to a good one, a link out of the folder, an undated draft, a removed file."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.storage import IssueRepository, StoredIssue
from core.storage.database import Database
from tests.bots.serve_process import ServeProcess
from tests.conftest import CONTENT, SAMPLE
from tests.fakes.waiting import until

ISSUE = "トピック\n🚀 {title}\n本文です。{body}\n"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("serve-content")
    content = workdir / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    return workdir


@pytest.fixture(scope="module")
def running(workdir: Path) -> Iterator[ServeProcess]:
    """One ``haishin serve`` for the module: each test writes files of its own names."""
    env = {
        "HAISHIN_DATABASE_URL": f"sqlite:///{workdir / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(workdir / "content"),
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "SLACK_CLIENT_ID": "",
        "SLACK_CLIENT_SECRET": "",
        "LINE_CHANNEL_SECRET": "",
        "LINE_CHANNEL_ACCESS_TOKEN": "",
    }
    serve = ServeProcess(env, workdir).start()
    try:
        asyncio.run(serve.healthy())
        yield serve
    finally:
        serve.stop_quietly()


async def stored(workdir: Path) -> dict[str, StoredIssue]:
    db = Database.from_url(f"sqlite:///{workdir / 'haishin.db'}")
    try:
        return {s.source_key: s for s in await IssueRepository(db).all_issues()}
    finally:
        await db.dispose()


async def until_stored(workdir: Path, key: str, within: float = 40.0) -> StoredIssue:
    """Wait for the watcher (well inside its 60 s rescan) to store ``key``."""

    async def found() -> bool:
        return key in await stored(workdir)

    await until(found, within, f"{key} stored", every=0.2)
    return (await stored(workdir))[key]


async def test_a_bad_file_does_not_hold_up_the_good_one_beside_it(
    running: ServeProcess, workdir: Path
) -> None:
    issues = workdir / "content" / "issues"
    (issues / "2025-10-11.txt").write_text(
        "---\nnumber: 100000000000000000000000000000\n---\n"
        + ISSUE.format(title="壊れた号", body=""),
        encoding="utf-8",
    )
    (issues / "2025-10-18.txt").write_text(ISSUE.format(title="次の号", body=""), "utf-8")

    await until_stored(workdir, "issues/2025-10-18.txt")

    assert "issues/2025-10-11.txt" not in await stored(workdir)
    await running.wait_log("2025-10-11.txt:2: front matter: 'number' must be from 1")
    assert "Traceback" not in running.log()


async def test_links_out_drafts_and_removed_files_under_the_watcher(
    running: ServeProcess, workdir: Path
) -> None:
    issues = workdir / "content" / "issues"
    secret = workdir / "secret.txt"
    secret.write_text(ISSUE.format(title="秘密", body="xoxb-leak"), encoding="utf-8")
    (issues / "2025-10-25.txt").symlink_to(secret)
    (issues / "notes.txt").write_text(ISSUE.format(title="下書き", body=""), encoding="utf-8")
    upcoming = issues / "2099-01-03.txt"
    upcoming.write_text(ISSUE.format(title="来年の号", body=""), encoding="utf-8")

    draft = await until_stored(workdir, "issues/notes.txt")
    scheduled = await until_stored(workdir, "issues/2099-01-03.txt")

    assert draft.held == "draft" and draft.published_at is None
    assert scheduled.held is None
    await running.wait_log("2025-10-25.txt: is a link to")
    assert not any("xoxb-leak" in str(s.issue) for s in (await stored(workdir)).values())

    upcoming.unlink()

    async def held() -> bool:
        return (await stored(workdir))["issues/2099-01-03.txt"].held == "removed"

    await until(held, 40, "the removed file's issue held", every=0.2)
    await running.wait_log("2099-01-03.txt was removed before issue")
