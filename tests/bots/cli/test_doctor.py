"""``haishin doctor`` run as a subprocess against a running ``haishin serve`` and the fake
Slack and LINE APIs (issue 16): all set, then each thing a new editor gets wrong, said in
plain words with exit status 1."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bots.cli.process import Run, haishin, sandbox
from tests.bots.serve_process import ServeProcess
from tests.fakes.line_api import FakeLineApi
from tests.fakes.slack_api import FakeSlackAPI

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"
LINE_SECRET = "doctor-line-secret"
LINE_TOKEN = "doctor-line-token"


@dataclass
class Setup:
    root: Path
    env: dict[str, str]
    slack: FakeSlackAPI
    line: FakeLineApi
    serve: ServeProcess


@pytest.fixture
def fakes() -> Iterator[tuple[FakeSlackAPI, FakeLineApi]]:
    with FakeSlackAPI() as slack, FakeLineApi(token=LINE_TOKEN) as line:
        line.channel.secret = LINE_SECRET
        yield slack, line


@pytest.fixture
async def setup(tmp_path: Path, fakes: tuple[FakeSlackAPI, FakeLineApi]) -> AsyncIterator[Setup]:
    slack, line = fakes
    env = {
        **sandbox(tmp_path),
        "HAISHIN_ADMIN_TOKEN": "",
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "LINE_CHANNEL_SECRET": LINE_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
        "LINE_API_URL": line.url,
    }
    serve = ServeProcess(env, tmp_path).start()
    try:
        await serve.healthy()
        env["HAISHIN_PUBLIC_URL"] = serve.url
        yield Setup(tmp_path, env, slack, line, serve)
    finally:
        serve.stop_quietly()


def line_of(run: Run, area: str) -> str:
    return next(line for line in run.out.splitlines() if line[2:].startswith(area + " "))


async def test_doctor_checks_everything_against_the_real_apis(setup: Setup) -> None:
    setup.line.channel.webhook_endpoint = f"{setup.serve.url}/line/webhook"
    setup.line.channel.webhook_active = True
    good = haishin(setup.env, "doctor", cwd=setup.root)
    assert good.status == 0, good.out + good.err
    assert line_of(good, "profile").startswith("✓") and "週刊ビジネスレター" in good.out
    assert line_of(good, "database").startswith("✓")
    assert "T" in line_of(good, "Slack") and line_of(good, "Slack").startswith("✓")
    assert line_of(good, "Slack events").startswith("✓")
    assert line_of(good, "LINE").startswith("✓") and "haishin test" in line_of(good, "LINE")
    assert line_of(good, "LINE webhook").startswith("✓")
    assert line_of(good, "fonts").startswith("✓")
    assert "all set" in good.out
    assert setup.slack.calls("auth.test")
    tested = [c for c in setup.line.calls() if c.path == "/v2/bot/channel/webhook/test"]
    assert tested and tested[-1].status == 200

    # What a new editor gets wrong: a token from another app, the webhook URL of an old
    # tunnel, a channel secret that is not the channel's, Chat left on.
    setup.line.channel.webhook_endpoint = "https://old-tunnel.example/line/webhook"
    setup.line.channel.secret = "another-channel-secret"
    setup.line.channel.chat_mode = "chat"
    broken = haishin(
        {**setup.env, "SLACK_BOT_TOKEN": "xoxb-not-this-one"}, "doctor", cwd=setup.root
    )
    assert broken.status == 1, broken.out + broken.err
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in broken.said
    assert "OAuth & Permissions" in broken.said
    assert (
        f"LINE's webhook URL is https://old-tunnel.example/line/webhook; set it to "
        f"{setup.serve.url}/line/webhook" in broken.said
    )
    assert "got 400" in broken.said and "LINE_CHANNEL_SECRET is not this channel's" in broken.said
    assert "turn Chat off" in broken.said
    assert "thing(s) to fix" in broken.said


def test_doctor_without_a_profile_or_a_public_url_says_what_to_do(tmp_path: Path) -> None:
    env = {
        **sandbox(tmp_path),
        "LINE_CHANNEL_SECRET": "s",
        "LINE_CHANNEL_ACCESS_TOKEN": "",
        # Slack set to install into workspaces, without the key its tokens are kept with
        "SLACK_CLIENT_ID": "1.2",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "HAISHIN_TOKEN_KEY": "",
    }
    shutil.rmtree(tmp_path / "content")
    run = haishin(env, "doctor", cwd=tmp_path)
    assert run.status == 1
    assert line_of(run, "profile").startswith("✗") and "no newsletter profile here" in run.said
    assert "no database at" in run.said and "creates it" in run.said
    assert "LINE_CHANNEL_ACCESS_TOKEN is not set" in run.said
    assert "HAISHIN_PUBLIC_URL is not set" in run.said and "cloudflared or ngrok" in run.said
    assert line_of(run, "Slack").startswith("✗") and "HAISHIN_TOKEN_KEY" in run.said


def test_doctor_says_each_mistake_of_the_profile_on_a_line(tmp_path: Path) -> None:
    env = sandbox(tmp_path)
    profile = tmp_path / "content" / "newsletter.toml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text('stats_days = -1\nlangauge = "ja"\n' + text, encoding="utf-8")
    run = haishin(env, "doctor", cwd=tmp_path)
    assert run.status == 1
    said = [line for line in run.out.splitlines() if line[2:].startswith("profile ")]
    assert len(said) == 2 and all(line.startswith("✗") for line in said), run.out
    assert "'stats_days' must be a whole number of days" in said[0]
    assert "unknown key(s) ['langauge'] (did you mean 'language'?)" in said[1]
