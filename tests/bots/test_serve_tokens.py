"""Slack tokens at rest and in the log, against a real ``haishin serve`` at DEBUG level: a
workspace installed through the OAuth flow is stored encrypted, a plain-text row from before
is encrypted at start, and no token appears in the log (the log is where it would leak)."""

from __future__ import annotations

import asyncio
import html
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import select

from core.storage.database import Database
from core.storage.secrets import TokenCipher, is_encrypted, new_key
from core.storage.slack_tables import slack_bots, slack_installations
from tests.bots.serve_process import ServeProcess, free_port
from tests.conftest import CONTENT, SAMPLE
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_inbound import SlackInbound
from tests.fakes.waiting import until

SIGNING_SECRET = "serve-signing-secret"
LEGACY_TOKEN = "xoxb-TOLD-legacy-plain-token"


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


def workdir_for(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    return tmp_path


def env_for(workdir: Path, url: str, slack: FakeSlackAPI, key: str | None) -> dict[str, str]:
    return {
        "HAISHIN_DATABASE_URL": url,
        "HAISHIN_CONTENT_DIR": str(workdir / "content"),
        "HAISHIN_LOG_LEVEL": "DEBUG",
        "HAISHIN_TOKEN_KEY": key or "",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "",
        "SLACK_CLIENT_ID": slack.client_id,
        "SLACK_CLIENT_SECRET": slack.client_secret,
        "SLACK_API_URL": slack.url,
        "LINE_CHANNEL_SECRET": "",
        "LINE_CHANNEL_ACCESS_TOKEN": "",
    }


async def seed_legacy_install(url: str) -> None:
    """A workspace installed by an earlier haishin, its token in plain text."""
    db = Database.from_url(url)
    try:
        await db.migrate()
        store = AsyncSQLAlchemyInstallationStore(client_id="111.222", engine=db.engine)
        await store.async_save(
            Installation(
                app_id="A0",
                enterprise_id=None,
                team_id="TOLD",
                bot_token=LEGACY_TOKEN,
                bot_id="BOLD",
                bot_user_id="UBOLD",
                bot_scopes=["chat:write"],
                user_id="U0",
            )
        )
    finally:
        await db.dispose()


async def stored_tokens(url: str) -> list[str]:
    db = Database.from_url(url)
    try:
        async with db.engine.connect() as conn:
            bots = (await conn.execute(select(slack_bots.c.bot_token))).scalars().all()
            installs = (await conn.execute(select(slack_installations.c.bot_token))).scalars()
            return [*bots, *installs.all()]
    finally:
        await db.dispose()


async def install_through(serve: ServeProcess, slack: FakeSlackAPI, team: str) -> None:
    """A person installs the app: serve's install page → Slack → serve's callback."""
    slack.redirect_uri = f"{serve.url}/slack/oauth_redirect"
    slack.next_install(team)
    async with httpx.AsyncClient(base_url=serve.url) as browser:
        page = await browser.get("/slack/install")
        assert page.status_code == 200, page.text
        # Bolt's state cookie is Secure (TLS is in front in production): carried by hand.
        [state] = re.findall(r"(slack-app-oauth-state=[^;]+)", page.headers["set-cookie"])
        [authorize] = re.findall(r'href="([^"]+/oauth/v2/authorize[^"]*)"', page.text)
        at_slack = await browser.get(html.unescape(authorize))
        assert at_slack.status_code == 302
        done = await browser.get(at_slack.headers["location"], headers={"cookie": state})
        assert done.status_code == 200, done.text


async def test_tokens_are_encrypted_at_rest_and_never_logged_at_debug(
    tmp_path: Path, database_url: str, slack: FakeSlackAPI
) -> None:
    workdir = workdir_for(tmp_path)
    await seed_legacy_install(database_url)
    key = new_key()
    serve = ServeProcess(env_for(workdir, database_url, slack, key), workdir).start()
    try:
        await serve.healthy()
        await install_through(serve, slack, "T0NEW")
        installed = slack.workspace("T0NEW")
        assert installed is not None
        # A person in the new workspace asks: the answer goes out with that workspace's token.
        mention = SlackInbound(SIGNING_SECRET, team_id="T0NEW").mention("latest topic")
        async with httpx.AsyncClient(base_url=serve.url) as http:
            response = await http.post(
                "/slack/events", content=mention.body, headers=mention.headers
            )
        assert response.status_code == 200
        await until(lambda: bool(slack.calls("chat.postMessage")), 30, "the answer posted")
        [call] = slack.calls("chat.postMessage")
        assert call.token == installed.token
    finally:
        assert await serve.terminate() == 0

    # At rest: every stored token encrypted, the plain-text one from before included.
    stored = await stored_tokens(database_url)
    assert len(stored) == 4 and all(is_encrypted(value) for value in stored)
    cipher = TokenCipher([key])
    assert sorted(cipher.decrypt(v) for v in stored) == sorted(
        [installed.token, installed.token, LEGACY_TOKEN, LEGACY_TOKEN]
    )
    # In the log: DEBUG lines were written, but no token, secret or request body.
    log = serve.log()
    assert "DEBUG" in log and "oauth_redirect" in log
    for secret in (installed.token, LEGACY_TOKEN, slack.client_secret, key):
        assert secret not in log
    assert "access_token" not in log and "SQL parameters" not in log.replace(
        "[SQL parameters hidden due to hide_parameters=True]", ""
    )
    assert "[redacted]" not in log  # no logger even tried: the mask is the last line only
    assert "Traceback" not in log


@pytest.mark.parametrize("workers", [1, 2])
async def test_multi_workspace_mode_without_a_key_refuses_to_start(
    tmp_path: Path, slack: FakeSlackAPI, workers: int
) -> None:
    workdir = workdir_for(tmp_path)
    url = f"sqlite:///{workdir / 'haishin.db'}"
    await seed_legacy_install(url)
    env = {**os.environ, **env_for(workdir, url, slack, None)}
    argv = [sys.executable, "-c", "from bots.cli import main; main()", "serve"]
    argv += ["--port", str(free_port()), "--workers", str(workers)]
    done = await asyncio.to_thread(
        subprocess.run, argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 1
    said = " ".join((done.stdout + done.stderr).split())
    assert "HAISHIN_TOKEN_KEY" in said and "haishin keys new" in said
    assert "Traceback" not in said and "worker 1" not in said  # no child was started
    assert await stored_tokens(url) == [LEGACY_TOKEN, LEGACY_TOKEN]  # untouched
