"""Secrets in URLs (a feed's ``?token=…``, credentials before a host, an API URL's) never show
in ``/healthz``, ``haishin feeds`` or the log."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bots.bootstrap import bootstrap
from bots.redact import redact_text, redact_url
from bots.server import create_app
from bots.settings import Settings
from bots.slack.app import build_slack
from core.clock import FixedClock
from core.storage.feeds import FeedRepository
from tests.bots.feeds.server import FeedSite
from tests.bots.serve_process import ServeProcess
from tests.conftest import CONTENT, SAMPLE

SECRET = "sekrit"
NOW = datetime(2026, 8, 1, tzinfo=UTC)


@pytest.fixture
def site() -> Iterator[FeedSite]:
    server = FeedSite()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def feed_url(site: FeedSite, path: str) -> str:
    return site.url(path).replace("http://", f"http://reader:pw-{SECRET}@") + f"?token={SECRET}"


def content_with_feed(tmp_path: Path, url: str) -> Path:
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    profile = (CONTENT / "newsletter.toml").read_text(encoding="utf-8")
    profile += f'\n[feed]\nurls = ["{url}"]\nallow_private = ["127.0.0.0/8"]\ntimeout = "2s"\n'
    (content / "newsletter.toml").write_text(profile, encoding="utf-8")
    return content


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://u:p@feeds.example/x.xml?token=1&a=2#f", "https://feeds.example/x.xml?…"),
        ("http://[::1]:8080/feed?k=v", "http://[::1]:8080/feed?…"),
        ("postgresql+psycopg://app:pw@db:5432/haishin", "postgresql+psycopg://db:5432/haishin"),
        ("https://feeds.example/plain.xml", "https://feeds.example/plain.xml"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact_text(f"GET {url} failed") == f"GET {shown} failed"


async def test_healthz_shows_feeds_and_api_urls_without_their_secrets(
    site: FeedSite, tmp_path: Path
) -> None:
    url = feed_url(site, "/feed.xml")
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'haishin.db'}",
        content_dir=content_with_feed(tmp_path, url),
        slack_signing_secret="s",
        slack_bot_token="xoxb-1",
        slack_api_url=f"http://bot:{SECRET}@127.0.0.1:9/api/?key={SECRET}",
    )
    services = await bootstrap(settings, clock=FixedClock(NOW))
    try:
        feeds = FeedRepository(services.db)
        until = NOW + timedelta(minutes=1)
        assert await feeds.claim(url, owner="t", until=until, now=NOW, due_only=False)
        await feeds.record_poll(
            url,
            now=NOW,
            status="error",
            next_poll_at=until,
            error=f"redirected to https://mirror.example/feed.xml?token={SECRET}: refused",
        )
        slack = build_slack(services)
        assert slack is not None
        app = create_app(services, platforms={"slack": slack})
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            response = await http.get("/healthz")
    finally:
        await services.close()
    assert SECRET not in response.text
    health = response.json()
    [feed] = health["feeds"]["feeds"]
    assert feed["url"] == site.url("/feed.xml") + "?…"
    assert feed["error"] == "redirected to https://mirror.example/feed.xml?…: refused"
    assert health["platforms"]["slack"]["api_url"] == "http://127.0.0.1:9/api/?…"


async def test_the_log_of_haishin_serve_shows_no_url_secrets(
    site: FeedSite, tmp_path: Path
) -> None:
    url = feed_url(site, "/failing.xml")
    site.status("/failing.xml", 500)
    content = content_with_feed(tmp_path, url)
    env = {
        "HAISHIN_DATABASE_URL": f"sqlite:///{tmp_path / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(content),
        "HAISHIN_ADMIN_TOKEN": "",
        "HAISHIN_LOG_LEVEL": "DEBUG",  # even there
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "LINE_CHANNEL_SECRET": "",
        "LINE_CHANNEL_ACCESS_TOKEN": "",
    }
    serve = ServeProcess(env, tmp_path).start()
    try:
        await serve.healthy()
        await serve.wait_log("failed (1 in a row)")
        async with httpx.AsyncClient(base_url=serve.url) as http:
            # An OAuth-style callback with a code in its query, for the access log.
            await http.get(f"/slack/oauth_redirect?code={SECRET}&state={SECRET}")
            health = await http.get("/healthz")
        assert site.hits("/failing.xml")  # the feed was really polled
        assert SECRET not in health.text
        assert await serve.terminate() == 0
    finally:
        serve.stop_quietly()
    log = serve.log()
    assert "/failing.xml?…" in log
    assert "/slack/oauth_redirect" in log
    assert SECRET not in log
