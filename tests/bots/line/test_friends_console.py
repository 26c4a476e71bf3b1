"""The console's Deliveries page says which plan ``line:all`` gets and what it costs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bots.bootstrap import Services
from bots.line.app import build_line
from bots.server import create_app
from tests.fakes.line_api import FakeLineApi, users

YESTERDAY = "20251004"  # the line conftest's NOW is 2025-10-05 12:00 in Tokyo


def said(html: str) -> str:
    node = HTMLParser(html).css_first("[data-line-plan]")
    assert node is not None, "no LINE plan on the page"
    return " ".join(node.text().split())


@pytest.fixture
async def console(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """haishin with LINE on, its console reached from loopback (as ``serve`` runs it)."""
    platform = build_line(services)
    assert platform is not None
    app = create_app(services, platforms={"line": platform})
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http,
    ):
        yield http


async def test_the_deliveries_page_names_line_alls_plan_and_cost(
    console: httpx.AsyncClient, line_api: FakeLineApi
) -> None:
    line_api.friend_list.ids = users(300)
    line_api.follower_counts[YESTERDAY] = {"status": "ready", "followers": 300, "blocks": 0}
    page = await console.get("/deliveries")
    assert page.status_code == 200
    assert said(page.text) == (
        "LINE, every friend (line:all), issue #1: broadcast: one request to all 300 "
        "friends; about 300 message(s), no monthly limit"
    )


async def test_the_deliveries_page_shows_a_plan_the_quota_refuses(
    console: httpx.AsyncClient, line_api: FakeLineApi
) -> None:
    line_api.friend_list.ids = users(300)
    line_api.follower_counts[YESTERDAY] = {"status": "ready", "followers": 300, "blocks": 0}
    line_api.quota = 100
    refused = said((await console.get("/deliveries")).text)
    assert "refused: LINE monthly quota" in refused
    assert "needs about 300 messages but only 100 of 100 remain" in refused
