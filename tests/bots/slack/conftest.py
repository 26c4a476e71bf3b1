"""Fixtures for the Slack adapter: the fake Slack API, the sample issue, a renderer."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bots.bootstrap import Services, bootstrap
from bots.platform import Platform
from bots.server import create_app
from bots.settings import Settings
from bots.slack.app import build_slack
from bots.slack.render import SlackRenderer
from core.clock import FixedClock
from core.ingest import ingest_paths
from core.model import Issue
from core.parsing import load_issue
from core.profile import Profile
from tests.conftest import CONTENT, SAMPLE
from tests.fakes.clock import FakeTime
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_inbound import SignedRequest, SlackInbound


@pytest.fixture
def slack_api() -> Iterator[FakeSlackAPI]:
    """A fresh fake Slack Web API on loopback."""
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def renderer(profile: Profile) -> SlackRenderer:
    return SlackRenderer(profile)


@pytest.fixture(scope="session")
def sample_issue(profile: Profile, sample_path: Path) -> Issue:
    """The sample issue as storage numbers it (the first issue: number 1)."""
    return dataclasses.replace(load_issue(sample_path, profile), number=1)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


# --- The whole service: bootstrap + the Slack platform + the ASGI app, on a temp SQLite file.

SIGNING_SECRET = "test-signing-secret"
TOKEN_KEY = "jUS-6ks9vaSMeDRAIvdxrf0ODfQiBqpIhxu3Y8h4d_0="  # a Fernet key, for tests only
CLIENT_ID = "111.222"
CLIENT_SECRET = "client-secret"
# After the sample issue's publish time (2025-10-04 07:00 Asia/Tokyo).
NOW = datetime(2025, 10, 6, 3, 0, tzinfo=UTC)
SETTLE_SECONDS = 10.0
# Tasks a request need not be waited for: the app's whole-life loops (never "done") and the
# stats write-behind, which sleeps a second before it writes the counts together (nothing
# here reads them back; Services.close writes what is left).
BACKGROUND_LOOPS = frozenset({"slack-dedupe", "stats-writes"})


def long_issue(sample_text: str) -> str:
    """The sample issue with a topic several posts long (for paging and "next part")."""
    lines = sample_text.splitlines()
    extra = [
        f"第{n}の論点。" + "AIインフラへの投資は、計算資源の確保と電力の調達を同時に迫ります。" * 9
        for n in range(1, 15)
    ]
    return "\n".join(lines[:3] + extra + lines[3:])


@dataclass
class SlackHarness:
    """Slack's side of a running haishin: signed requests in, the fake Web API out."""

    services: Services
    platform: Platform
    http: httpx.AsyncClient
    slack: FakeSlackAPI
    inbound: SlackInbound

    async def post(self, request: SignedRequest, path: str = "/slack/events") -> httpx.Response:
        """Send a signed request and wait until everything it started has finished."""
        response = await self.http.post(path, content=request.body, headers=request.headers)
        await settle()
        return response

    async def command(self, text: str, *, key: str = "cmd", **kwargs: Any) -> list[dict[str, Any]]:
        """A slash command; returns what reached its response_url."""
        request = self.inbound.command(text, response_url=self.slack.response_url(key), **kwargs)
        response = await self.post(request)
        assert response.status_code == 200, response.text
        return self.slack.responses(key)


async def settle() -> None:
    """Wait for the work a request left running (Bolt runs listeners as tasks after the ack)."""
    for _ in range(100):
        pending = [
            t
            for t in asyncio.all_tasks()
            if t is not asyncio.current_task()
            and not t.done()
            and t.get_name() not in BACKGROUND_LOOPS
            and not _dedupe_timer(t)
        ]
        if not pending:
            return
        await asyncio.wait(pending, timeout=SETTLE_SECONDS)


def _dedupe_timer(task: asyncio.Task[Any]) -> bool:
    """The dedupe loop's pause: ``asyncio.wait_for`` runs its ``Event.wait`` as a task of its
    own, which no request started (waiting for it cost up to 0.2 s a request)."""
    return getattr(task.get_coro(), "__qualname__", "") == "Event.wait"


def slack_settings(tmp_path: Path, slack: FakeSlackAPI, *, oauth: bool = False) -> Settings:
    """Settings as an operator writes them, pointing at the fake Slack API."""
    return Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'haishin.db'}",
        content_dir=tmp_path / "content",
        slack_signing_secret=SIGNING_SECRET,
        slack_bot_token=None if oauth else slack.token,
        slack_client_id=CLIENT_ID if oauth else None,
        slack_client_secret=CLIENT_SECRET if oauth else None,
        token_key=TOKEN_KEY if oauth else None,
        slack_api_url=slack.url,
        line_channel_secret=None,
        line_channel_access_token=None,
    )


@contextlib.asynccontextmanager
async def running_haishin(
    tmp_path: Path, slack: FakeSlackAPI, *, oauth: bool = False, long: bool = False
) -> AsyncIterator[SlackHarness]:
    """haishin with Slack on (single workspace or OAuth), the sample issue ingested."""
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    if long:
        text = long_issue(SAMPLE.read_text(encoding="utf-8"))
        (content / "issues" / "2025-09-27.txt").write_text(text, encoding="utf-8")
    settings = slack_settings(tmp_path, slack, oauth=oauth)
    services = await bootstrap(settings, clock=FixedClock(NOW))
    try:
        report = await ingest_paths(
            sorted((content / "issues").iterdir()),
            profile=services.profile,
            db=services.db,
            content_dir=content,
            clock=services.clock,
        )
        assert report.ok, report.errors
        platform = build_slack(services)
        assert platform is not None
        app = create_app(services, platforms={"slack": platform})
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="https://haishin.test"
            ) as http:
                yield SlackHarness(
                    services=services,
                    platform=platform,
                    http=http,
                    slack=slack,
                    inbound=SlackInbound(SIGNING_SECRET),
                )
    finally:
        await services.close()


@pytest.fixture
async def haishin(tmp_path: Path, slack_api: FakeSlackAPI) -> AsyncIterator[SlackHarness]:
    """Single-workspace haishin with the sample issue (issue 1)."""
    async with running_haishin(tmp_path, slack_api) as harness:
        yield harness


@pytest.fixture
async def haishin_long(tmp_path: Path, slack_api: FakeSlackAPI) -> AsyncIterator[SlackHarness]:
    """Single-workspace haishin with a long issue (issue 1) before the sample (issue 2)."""
    async with running_haishin(tmp_path, slack_api, long=True) as harness:
        yield harness


@pytest.fixture
async def haishin_oauth(tmp_path: Path, slack_api: FakeSlackAPI) -> AsyncIterator[SlackHarness]:
    """Multi-workspace haishin (client id and secret; installs through /slack/install)."""
    async with running_haishin(tmp_path, slack_api, oauth=True) as harness:
        yield harness
