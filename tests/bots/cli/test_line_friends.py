"""``line:all`` from the command line as an operator tries it (issue 17): an account whose
friends never wrote to the bot, ``send --dry-run`` naming the plan and its cost, the send,
the quota refusal, and ``haishin line followers sync`` (also on an account LINE refuses)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner, Result

from bots.cli import app
from tests.conftest import CONTENT, SAMPLE
from tests.fakes.line_api import FakeLineApi, users

runner = CliRunner()
TOKEN = "test-channel-token"


@pytest.fixture
def line() -> Iterator[FakeLineApi]:
    with FakeLineApi(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def env(tmp_path: Path, line: FakeLineApi, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    monkeypatch.chdir(tmp_path)
    values = {
        "HAISHIN_DATABASE_URL": f"sqlite:///{tmp_path / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(content),
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "LINE_CHANNEL_SECRET": "secret",
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_URL": line.url,
        "COLUMNS": "200",
    }
    assert haishin(values, "ingest").exit_code == 0
    return values


def friends(line: FakeLineApi, count: int) -> list[str]:
    ids = users(count)
    line.friend_list.ids = ids
    yesterday = datetime.now(ZoneInfo("Asia/Tokyo")).date() - timedelta(days=1)
    line.follower_counts[yesterday.strftime("%Y%m%d")] = {
        "status": "ready",
        "followers": count,
        "blocks": 0,
    }
    return ids


def haishin(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(app, list(args), env=env)


def said(result: Result) -> str:
    return " ".join(result.output.split())


def test_an_account_whose_friends_never_wrote_gets_one_broadcast(
    env: dict[str, str], line: FakeLineApi
) -> None:
    ids = friends(line, 300)
    dry = haishin(env, "send", "1", "--to", "line:all", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "broadcast to every friend" in said(dry)
    assert "plan: broadcast: one request to all 300 friends; about 300 message(s)" in said(dry)
    assert line.deliveries == []

    sent = haishin(env, "send", "1", "--to", "line:all")
    assert sent.exit_code == 0, sent.output
    assert [d.endpoint for d in line.deliveries] == ["broadcast"]
    assert {line.digests_for(u) for u in ids} == {1}


def test_a_send_the_quota_cant_pay_is_refused_with_the_numbers(
    env: dict[str, str], line: FakeLineApi
) -> None:
    friends(line, 300)
    line.quota = 1000
    line.usage = 900  # a month mostly used up already
    dry = haishin(env, "send", "1", "--to", "line:all", "--dry-run")
    assert dry.exit_code == 1
    assert "needs about 300 messages but only 100 of 1,000 remain" in said(dry)
    sent = haishin(env, "send", "1", "--to", "line:all")
    assert sent.exit_code == 1
    assert "needs about 300 messages but only 100 of 1,000 remain" in said(sent)
    assert line.deliveries == []


def test_followers_sync_records_friends_and_says_so_when_line_refuses(
    env: dict[str, str], line: FakeLineApi
) -> None:
    friends(line, 1200)
    synced = haishin(env, "line", "followers", "sync")
    assert synced.exit_code == 0, synced.output
    assert "1,200 friend(s) listed by LINE in 2 page(s); 1,200 new to haishin" in said(synced)

    line.friend_list.ids_allowed = False
    refused = haishin(env, "line", "followers", "sync")
    assert refused.exit_code == 1
    assert "HTTP 403" in said(refused)
    assert "Only verified and premium LINE Official Accounts" in said(refused)
