"""Exactly once, whatever happens to the process: ``kill -9`` in the middle of a fan-out
and a restart; two processes on one PostgreSQL database; a correction afterwards."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bots.line.followers import LineAudienceBook
from core.clock import SystemClock
from core.delivery.claims import WORKER_TIMEOUT
from core.ingest import ingest_paths
from core.profile import load_profile
from core.storage import SubscriptionRepository
from core.storage.database import Database
from core.storage.delivery_ledger import DeliveryLedgerRepository
from core.storage.revisions import RevisionRepository
from tests.bots.serve_process import ServeProcess
from tests.conftest import CONTENT, SAMPLE, scratch_postgres_database
from tests.fakes.line_api import FakeLineApi, users
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.waiting import until

CHANNELS = 24
UNITS = 7  # the sample issue on Slack: a parent and six posts
FOLLOWERS = 1003  # 1000 with the default choice (2 multicasts), 3 with topic only (1)
LINE_TOKEN = "line-token"
SEND_TIMEOUT = 2  # HAISHIN_SEND_TIMEOUT_SECONDS here; loopback answers take milliseconds


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        fake.rate_limit(1.0)  # Slack's one message a second per channel
        yield fake


@pytest.fixture
def line() -> Iterator[FakeLineApi]:
    with FakeLineApi(token=LINE_TOKEN, enforce_rate_limits=True) as fake:
        yield fake


def issue_text(publish_at: datetime, *, fix: bool = False) -> str:
    text = SAMPLE.read_text(encoding="utf-8")
    if fix:
        text = text.replace("11.7%高", "11.8%高")
    return f"---\nnumber: 1\npublish_at: {publish_at.isoformat()}\n---\n{text}"


async def prepare(workdir: Path, url: str, line: FakeLineApi, *, ingest: bool = False) -> Path:
    """Content with issue 1 just published, subscribers and followers in the database (who
    are all of the LINE account's friends, so ``line:all`` knows every friend); with
    ``ingest``, issue 1 in the database too, as ``haishin ingest`` leaves it."""
    line.befriend(users(FOLLOWERS))
    content = workdir / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    issue = content / "issues" / "issue-1.txt"
    issue.write_text(issue_text(datetime.now(UTC) - timedelta(minutes=1)), encoding="utf-8")
    db = Database.from_url(url)
    try:
        await db.migrate()
        subscriptions = SubscriptionRepository(db)
        for n in range(CHANNELS):
            await subscriptions.add(
                platform="slack", workspace=f"T{n % 4}", target=f"C{n:03d}", starts_after=0
            )
        await subscriptions.add(platform="line", target="all", starts_after=0)
        followers = LineAudienceBook(db)
        for index, user in enumerate(users(FOLLOWERS)):
            await followers.add(user)
            if index < 3:
                await followers.update(user, sections=["topic"])
        if ingest:
            profile = load_profile(content / "newsletter.toml")
            await ingest_paths(
                [issue], profile=profile, db=db, content_dir=content, clock=SystemClock()
            )
    finally:
        await db.dispose()
    return issue


def env_for(workdir: Path, url: str, slack: FakeSlackAPI, line: FakeLineApi) -> dict[str, str]:
    return {
        "HAISHIN_DATABASE_URL": url,
        "HAISHIN_CONTENT_DIR": str(workdir / "content"),
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SLACK_API_URL": slack.url,
        "SLACK_CLIENT_ID": "",
        "SLACK_CLIENT_SECRET": "",
        "LINE_CHANNEL_SECRET": "line-secret",
        "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
        "LINE_API_URL": line.url,
        # The fakes answer at once and never carry out a request late, so a send may be
        # given up sooner than Slack's 15 s, and one in doubt here (cut short by kill -9)
        # settled sooner than the 60 s a real one needs: the least allowed, the send timeout.
        "HAISHIN_SEND_TIMEOUT_SECONDS": str(SEND_TIMEOUT),
        "HAISHIN_SETTLE_SECONDS": str(SEND_TIMEOUT),
    }


def line_sends(line: FakeLineApi) -> list[tuple[str, int]]:
    return sorted((d.endpoint, len(d.to)) for d in line.deliveries if d.endpoint != "reply")


def assert_each_post_once(slack: FakeSlackAPI, line: FakeLineApi) -> None:
    stats = slack.stats()
    assert stats["duplicates"] == 0
    assert stats["messages"] == CHANNELS * UNITS
    for n in range(CHANNELS):
        messages = slack.messages(f"C{n:03d}")
        assert len(messages) == UNITS
        assert {m.thread_ts for m in messages[1:]} == {messages[0].ts}
    assert line_sends(line) == [("multicast", 3), ("multicast", 500), ("multicast", 500)]
    reached = [u for d in line.deliveries if d.endpoint != "reply" for u in d.to]
    assert len(reached) == len(set(reached)) == FOLLOWERS


async def all_rows_sent(url: str) -> set[str]:
    db = Database.from_url(url)
    try:
        return {r.state for r in await DeliveryLedgerRepository(db).rows()}
    finally:
        await db.dispose()


async def settled(url: str, within: float = 60) -> None:
    """Wait until the ledger has nothing left to do: every row sent, none behind its issue's
    revision. A send or update is recorded only once its request came back, so from then on
    nothing is in flight and any later post would be a duplicate."""
    db = Database.from_url(url)
    revisions = RevisionRepository(db, worker_timeout=WORKER_TIMEOUT)

    async def nothing_left() -> bool:
        states = {r.state for r in await DeliveryLedgerRepository(db).rows()}
        return states == {"sent"} and not await revisions.outdated_groups()

    try:
        await until(nothing_left, within, "every ledger row sent and up to date")
    finally:
        await db.dispose()


async def test_kill_9_in_the_middle_then_restart_sends_every_post_exactly_once(
    tmp_path: Path, slack: FakeSlackAPI, line: FakeLineApi
) -> None:
    url = f"sqlite:///{tmp_path / 'haishin.db'}"
    issue = await prepare(tmp_path, url, line)
    env = env_for(tmp_path, url, slack, line)
    first = ServeProcess(env, tmp_path, name="first").start()
    try:
        await first.healthy()
        await until(lambda: slack.stats()["messages"] >= CHANNELS * 2, 120, "the fan-out to start")
        first.kill()  # kill -9, mid fan-out
    finally:
        first.stop_quietly()
    posted_before = slack.stats()["messages"]
    assert posted_before < CHANNELS * UNITS, "the kill must land in the middle"

    second = ServeProcess(env, tmp_path, name="second").start()
    try:
        await second.healthy()
        await until(
            lambda: slack.stats()["messages"] >= CHANNELS * UNITS, 180, "every post delivered"
        )
        await until(lambda: len(line_sends(line)) >= 3, 60, "every LINE batch sent")
        await settled(url)
        assert_each_post_once(slack, line)
        assert (
            "taken over" in second.log()
            or "found already sent" in second.log()
            or (posted_before % UNITS == 0)
        )
        assert await all_rows_sent(url) == {"sent"}

        # A correction of the published issue updates the messages, never resends them.
        issue.write_text(issue_text(datetime.now(UTC) - timedelta(minutes=1), fix=True), "utf-8")
        await until(
            lambda: len(slack.calls("chat.update")) >= CHANNELS * UNITS, 120, "messages updated"
        )
        await settled(url)
        assert slack.stats()["messages"] == CHANNELS * UNITS
        assert len(slack.calls("chat.update")) == CHANNELS * UNITS
        assert line_sends(line) == [("multicast", 3), ("multicast", 500), ("multicast", 500)]
        assert await second.terminate() == 0
    finally:
        second.stop_quietly()


@pytest.mark.postgres
async def test_two_processes_on_postgres_one_scheduler_no_double_sends(
    tmp_path: Path, slack: FakeSlackAPI, line: FakeLineApi
) -> None:
    with scratch_postgres_database() as url:
        # Ingested before: whichever process scans the folder first, the leader publishes
        # at its start (an issue only the standby ingested waits for the leader's sweep).
        await prepare(tmp_path, url, line, ingest=True)
        env = env_for(tmp_path, url, slack, line)
        one = ServeProcess(env, tmp_path, name="one").start()
        two = ServeProcess(env, tmp_path, name="two").start()
        try:
            await asyncio.gather(one.healthy(), two.healthy())
            await until(
                lambda: all(
                    "this process leads" in p.log() or "will not start another" in p.log()
                    for p in (one, two)
                ),
                60,
                "both processes tried for the scheduler",
            )
            leaders = [p for p in (one, two) if "this process leads" in p.log()]
            assert len(leaders) == 1
            standby = two if leaders[0] is one else one
            assert "will not start another" in standby.log()
            await until(lambda: slack.stats()["messages"] >= CHANNELS * UNITS, 180, "every post")
            await until(lambda: len(line_sends(line)) >= 3, 60, "every LINE batch sent")
            await settled(url)
            assert_each_post_once(slack, line)
            worked = ["delivery worker" in p.log() for p in (one, two)]
            assert all(worked)

            leaders[0].kill()  # the leader dies; the standby takes the scheduler over
            await standby.wait_log("this process leads", within=30)
            assert await standby.terminate() == 0
        finally:
            one.stop_quietly()
            two.stop_quietly()
