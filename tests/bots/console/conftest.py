"""Fixtures for the console: the whole app over a temporary SQLite file with the sample issue,
and a browser-like HTTP client (cookies kept, CSRF token read from the page)."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bots.bootstrap import Services, bootstrap
from bots.server import create_app
from bots.settings import Settings
from core.clock import FixedClock
from core.ingest import ingest_paths
from tests.conftest import CONTENT, SAMPLE

# A day after the sample issue (2025-10-04) went out at 07:00 in Tokyo.
NOW = datetime(2025, 10, 5, 3, 0, tzinfo=UTC)
TOKEN = "console-test-token-0123456789"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class ConsoleHarness:
    """The running app, a client that keeps cookies, and the content folder."""

    services: Services
    http: httpx.AsyncClient
    content: Path
    clock: FixedClock

    async def page(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET a page as a browser does."""
        headers = {"accept": "text/html", **kwargs.pop("headers", {})}
        return await self.http.get(path, headers=headers, **kwargs)

    async def csrf(self, path: str = "/try") -> str:
        """The CSRF token of a page's forms (sets this client's cookie, as a browser would)."""
        response = await self.page(path)
        assert response.status_code == 200, response.text
        match = _CSRF.search(response.text)
        assert match, "no CSRF field on the page"
        return match.group(1)

    async def post(self, path: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
        """POST a console form with this client's CSRF token."""
        token = await self.csrf()
        return await self.http.post(path, data={"csrf": token, **data}, **kwargs)

    async def ingest(self, name: str, text: str) -> None:
        """Add an issue file and store it."""
        path = self.content / "issues" / name
        path.write_text(text, encoding="utf-8")
        report = await ingest_paths(
            [path],
            profile=self.services.profile,
            db=self.services.db,
            content_dir=self.content,
            clock=self.clock,
        )
        assert report.ok, report.errors
        assert report.count("copy") == 0, "a byte-identical copy is not stored"


@contextlib.asynccontextmanager
async def running_console(
    tmp_path: Path,
    *,
    admin_token: str | None = None,
    client: tuple[str, int] = ("127.0.0.1", 50000),
    public_url: str | None = None,
    base_url: str = "http://127.0.0.1:8000",
) -> AsyncIterator[ConsoleHarness]:
    """haishin with Slack and LINE off, the sample issue stored as issue 1."""
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'haishin.db'}",
        content_dir=content,
        admin_token=admin_token,
        public_url=public_url,
        slack_signing_secret=None,
        slack_bot_token=None,
        slack_client_id=None,
        slack_client_secret=None,
        line_channel_secret=None,
        line_channel_access_token=None,
    )
    clock = FixedClock(NOW)
    services = await bootstrap(settings, clock=clock)
    try:
        report = await ingest_paths(
            sorted((content / "issues").iterdir()),
            profile=services.profile,
            db=services.db,
            content_dir=content,
            clock=clock,
        )
        assert report.ok, report.errors
        app = create_app(services, platforms={})
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=client)
            async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
                yield ConsoleHarness(services, http, content, clock)
    finally:
        await services.close()


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[ConsoleHarness]:
    """The console as ``haishin serve`` runs it by default: on loopback, no token."""
    async with running_console(tmp_path) as harness:
        yield harness


@pytest.fixture
async def guarded_console(tmp_path: Path) -> AsyncIterator[ConsoleHarness]:
    """The console with HAISHIN_ADMIN_TOKEN set (as when serving on a public address)."""
    async with running_console(tmp_path, admin_token=TOKEN) as harness:
        yield harness
