"""The delivery commands of the CLI, as an operator types them (one SQLite file per test,
the fake Slack API for sends)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bots.cli import app
from tests.conftest import CONTENT, SAMPLE
from tests.fakes.slack_api import FakeSlackAPI

runner = CliRunner()
ISSUE = f"---\nnumber: 2\npublish_at: 2099-01-01T07:00:00+09:00\n---\n{SAMPLE.read_text('utf-8')}"


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def env(tmp_path: Path, slack: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)  # issue 1, long published
    monkeypatch.chdir(tmp_path)  # no stray .env
    values = {
        "HAISHIN_DATABASE_URL": f"sqlite:///{tmp_path / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(content),
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": slack.url,
        "SLACK_CLIENT_ID": "",
        "SLACK_CLIENT_SECRET": "",
        "LINE_CHANNEL_SECRET": "",
        "LINE_CHANNEL_ACCESS_TOKEN": "",
        "COLUMNS": "200",
    }
    assert haishin(values, "ingest").exit_code == 0
    return values


def haishin(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(app, list(args), env=env)


def out(result: Result) -> str:
    return result.output


def test_subscriptions_are_added_listed_paused_resumed_and_removed(env: dict[str, str]) -> None:
    empty = haishin(env, "subscriptions")
    assert empty.exit_code == 0 and "No subscriptions yet" in out(empty)

    added = haishin(
        env,
        "subscriptions",
        "add",
        "--to",
        "slack:T0001/C0456",
        "--sections",
        "topic,編集後記",
        "--weekly",
        "mon 09:00",
        "--tz",
        "Europe/Berlin",
    )
    assert added.exit_code == 0, out(added)
    assert (
        "subscribed slack:T0001/C0456 (id 1): トピック, 編集後記, weekly, Mon 09:00 "
        "Europe/Berlin; gets issues after #1" in " ".join(out(added).split())
    )
    assert haishin(env, "subscriptions", "add", "--to", "line:all").exit_code == 0

    listed = " ".join(out(haishin(env, "subscriptions", "list")).split())
    assert "slack:T0001/C0456" in listed and "line:all" in listed and "on publish" in listed

    paused = haishin(env, "subscriptions", "pause", "slack:T0001/C0456", "--reason", "holiday")
    assert paused.exit_code == 0
    assert "paused: holiday" in " ".join(out(haishin(env, "subscriptions")).split())
    assert "paused" in out(haishin(env, "schedule"))
    assert haishin(env, "subscriptions", "resume", "1").exit_code == 0
    assert "active" in out(haishin(env, "subscriptions"))
    assert haishin(env, "subscriptions", "remove", "line:all").exit_code == 0
    assert "line:all" not in out(haishin(env, "subscriptions"))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("subscriptions", "add", "--to", "C0456"), "is not one of slack:TEAM/CHANNEL"),
        (
            ("subscriptions", "add", "--to", "slack:T1/C1", "--sections", "sports"),
            "no section 'sports'",
        ),
        (
            ("subscriptions", "add", "--to", "slack:T1/C1", "--weekly", "someday 9:00"),
            "weekday 'someday'",
        ),
        (("subscriptions", "pause", "42"), "no subscription '42'"),
        (("send", "7", "--to", "slack:T1/C1"), "no issue number 7"),
        (("deliveries", "--state", "lost"), "use one of pending"),
    ],
)
def test_mistakes_get_one_clear_line_and_status_1(
    env: dict[str, str], args: tuple[str, ...], says: str
) -> None:
    result = haishin(env, *args)
    assert result.exit_code == 1
    assert says in " ".join(out(result).split())
    assert "Traceback" not in out(result)


def test_schedule_shows_each_subscriptions_next_slot(env: dict[str, str]) -> None:
    haishin(env, "subscriptions", "add", "--to", "slack:T0001/C1", "--weekly", "sat 09:00")
    (Path(env["HAISHIN_CONTENT_DIR"]) / "issues" / "next.txt").write_text(ISSUE, "utf-8")
    haishin(env, "ingest")
    shown = " ".join(out(haishin(env, "schedule")).split())
    assert "weekly, Sat 09:00 Asia/Tokyo" in shown
    assert "JST" in shown  # the slot in the subscription's zone
    assert "next publication: issue #2 at 2099-01-01 07:00 JST" in shown
    assert "due and not yet published: #1" in shown  # no haishin serve ran to publish it


def test_send_goes_once_through_the_ledger(env: dict[str, str], slack: FakeSlackAPI) -> None:
    dry = haishin(env, "send", "1", "--to", "slack:T0001/C0999", "--dry-run")
    assert dry.exit_code == 0, out(dry)
    assert "7 unit(s) in 1 send group(s) would go; nothing was sent" in " ".join(out(dry).split())
    assert slack.messages() == []

    sent = haishin(env, "send", "1", "--to", "slack:T0001/C0999")
    assert sent.exit_code == 0, out(sent)
    assert "issue #1 to slack:T0001/C0999: 7 sent" in " ".join(out(sent).split())
    assert len(slack.messages("C0999")) == 7

    again = haishin(env, "send", "1", "--to", "slack:T0001/C0999")
    assert again.exit_code == 0
    assert "already delivered" in out(again) and "not sent again" in out(again)
    assert len(slack.messages("C0999")) == 7

    listed = " ".join(out(haishin(env, "subscriptions")).split())
    assert "one-off sends only" in listed  # the target had no subscription: a paused one
    ledger = " ".join(out(haishin(env, "deliveries", "--issue", "1")).split())
    assert "slack:T0001/C0999" in ledger and "7/7" in ledger
    rows = " ".join(out(haishin(env, "deliveries", "--state", "sent")).split())
    assert rows.count("slack:T0001/C0999") == 7


def test_a_refused_send_says_why_and_exits_1(env: dict[str, str], slack: FakeSlackAPI) -> None:
    slack.fail("chat.postMessage", error="channel_not_found", times=None)
    result = haishin(env, "send", "1", "--to", "slack:T0001/C0404")
    assert result.exit_code == 1
    text = " ".join(out(result).split())
    assert "dead parent" in text and "channel C0404 does not exist" in text
    problems = " ".join(out(haishin(env, "deliveries")).split())
    assert "problems" in problems and "does not exist" in problems


def test_publish_publishes_once(env: dict[str, str]) -> None:
    (Path(env["HAISHIN_CONTENT_DIR"]) / "issues" / "next.txt").write_text(ISSUE, "utf-8")
    haishin(env, "ingest")
    haishin(env, "subscriptions", "add", "--to", "slack:T0001/C1")
    first = haishin(env, "publish", "2")
    assert first.exit_code == 0, out(first)
    text = " ".join(out(first).split())
    assert "issue #2 published now" in text
    assert "handed to 1 on-publish subscription(s): 7 unit(s) to send" in text
    assert "no haishin serve is running" in text
    again = haishin(env, "publish", "2")
    assert "was already published" in out(again)
