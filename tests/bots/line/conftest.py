"""Fixtures for the LINE bot: the fake LINE API, a migrated database with the sample issue,
the real ASGI app with LINE switched on, and signed webhooks."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bots.bootstrap import Services, bootstrap
from bots.line.app import LinePlatform, build_line
from bots.line.render import LineRenderer
from bots.server import create_app
from bots.settings import Settings
from core.clock import FixedClock
from core.ingest import ingest_paths
from core.model import Issue
from core.parsing import load_issue
from core.profile import Profile, load_profile
from core.storage import Database
from tests.conftest import CONTENT
from tests.fakes.line_api import FakeLineApi
from tests.fakes.line_webhook import LineWebhookBuilder, SignedWebhook

SECRET = "test-channel-secret"
TOKEN = "test-channel-token"
# A day after the sample issue (2025-10-04) went out at 07:00 in Tokyo.
NOW = datetime(2025, 10, 5, 3, 0, tzinfo=UTC)


@pytest.fixture
def line_api() -> Iterator[FakeLineApi]:
    """A fresh fake LINE Messaging API on loopback."""
    with FakeLineApi(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def renderer(profile: Profile) -> LineRenderer:
    return LineRenderer(profile)


@pytest.fixture(scope="session")
def sample_issue(profile: Profile, sample_path: Path) -> Issue:
    """The sample issue as storage numbers it (the first issue: number 1)."""
    return dataclasses.replace(load_issue(sample_path, profile), number=1)


def line_settings(tmp_path: Path, api_url: str, **extra: str) -> Settings:
    values = {
        "HAISHIN_DATABASE_URL": f"sqlite:///{tmp_path / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(CONTENT),
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_URL": api_url,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the sample issue, made once and copied per test."""
    path = tmp_path_factory.mktemp("line-db") / "haishin.db"

    async def seed() -> None:
        db = Database.from_url(f"sqlite:///{path}")
        await db.migrate()
        await ingest_paths(
            [CONTENT / "issues" / "2025-10-04.txt"],
            profile=load_profile(CONTENT / "newsletter.toml"),
            db=db,
            content_dir=CONTENT,
            clock=FixedClock(NOW),
        )
        await db.dispose()

    asyncio.run(seed())
    return path


@pytest.fixture
async def services(
    tmp_path: Path, line_api: FakeLineApi, seeded_database: Path
) -> AsyncIterator[Services]:
    """The real composition root over a temp SQLite file that holds the sample issue."""
    shutil.copyfile(seeded_database, tmp_path / "haishin.db")
    settings = line_settings(tmp_path, line_api.url)
    built = await bootstrap(settings, clock=FixedClock(NOW), migrate=False)
    try:
        yield built
    finally:
        await built.close()


@dataclass
class LineBot:
    """The running app as LINE sees it: post signed webhooks, wait for the work to finish."""

    http: httpx.AsyncClient
    platform: LinePlatform
    hooks: LineWebhookBuilder
    api: FakeLineApi
    services: Services

    async def post(self, webhook: SignedWebhook) -> httpx.Response:
        return await self.http.post("/line/webhook", content=webhook.body, headers=webhook.headers)

    async def send(self, *events: dict[str, object]) -> httpx.Response:
        """Post events in one signed webhook and wait until the workers are done with them."""
        response = await self.post(self.hooks.request(*events))
        await self.drain()
        return response

    async def drain(self) -> None:
        assert self.platform.queue is not None
        await self.platform.queue.join()


@pytest.fixture
async def bot(services: Services, line_api: FakeLineApi) -> AsyncIterator[LineBot]:
    """The ASGI app of ``haishin serve`` with LINE on, its lifespan running."""
    platform = build_line(services)
    assert platform is not None
    app = create_app(services, platforms={"line": platform})
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://haishin.test") as http,
    ):
        yield LineBot(http, platform, LineWebhookBuilder(SECRET), line_api, services)
