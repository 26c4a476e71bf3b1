"""The stats page in headless Chromium against a real ``haishin serve``: the three charts are
drawn by the console's own copy of Chart.js (nothing from elsewhere, nothing blocked by the
CSP), every number is in the tables, and a number no platform knows reads "not known".

With ``HAISHIN_STATS_SCREENSHOT=docs/stats.png`` the README's screenshot is taken too.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.stats.model import (
    ISSUE_WIDE,
    FollowerCounts,
    SearchCounts,
    SearchKey,
    SectionCounts,
    SectionKey,
    StatsBatch,
)
from core.storage.database import Database
from core.storage.insight import PlatformInsight
from core.storage.stats import StatsRepository
from tests.bots.console.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    UI_TIMEOUT,
    running_serve,
    serve_env,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
# Recent days: serve runs on the real clock, and shows friends of the last 90 days.
# Searches count from the issue's publication on, which serve makes today.
TODAY = datetime.now(ZoneInfo("Asia/Tokyo")).date()
DAY = TODAY - timedelta(days=6)


def counts() -> StatsBatch:
    """A week of an issue's life: reads on both platforms, searches, friends."""
    batch = StatsBatch()
    reads = {
        ("topic", "line"): (41, 9, 17),
        ("topic", "slack"): (12, 6, 4),
        ("articles", "line"): (23, 4, 6),
        ("articles", "slack"): (8, 2, 1),
        ("shorts", "line"): (11, 2, 0),
        ("shorts", "slack"): (3, 1, 0),
        ("afterword", "line"): (19, 7, 0),
        ("afterword", "slack"): (5, 0, 0),
    }
    for (section, platform), (opened, asked, pages) in reads.items():
        batch.sections[SectionKey(DAY, 1, section, platform)] = SectionCounts(opened, asked, pages)
    batch.sections[SectionKey(DAY, 1, ISSUE_WIDE, "line")] = SectionCounts(6, 3, 0)
    for query, count, hits in (
        ("ファイザー", 9, 2),
        ("coreweave", 5, 1),
        ("量子コンピューター", 4, 0),
    ):
        batch.searches[SearchKey(TODAY, "line", query)] = SearchCounts(count, hits)
    for offset, (follows, unfollows) in enumerate([(14, 2), (6, 1), (3, 0), (2, 3), (1, 0)]):
        batch.followers[(DAY + timedelta(days=offset), "line")] = FollowerCounts(follows, unfollows)
    return batch


async def seed(path: Path) -> None:
    db = Database.from_url(f"sqlite:///{path}")
    await db.migrate()
    await StatsRepository(db).add(counts())
    insight = PlatformInsight(db)
    for offset, friends in enumerate([412, 417, 420, 419]):
        await insight.record_followers(
            "line",
            DAY + timedelta(days=offset),
            status="ready",
            followers=friends,
            targeted_reaches=None,
            blocks=9 + offset,
        )
    await db.dispose()


@pytest.fixture(scope="module")
def served_with_stats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.bots.console.test_browser import _missing

    reason = _missing()
    if reason is not None:
        if os.environ.get("HAISHIN_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"HAISHIN_TEST_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("serve-stats")
    asyncio.run(seed(work / "haishin.db"))
    with running_serve(work, serve_env(work)) as base:
        yield base


def test_stats_page_draws_its_charts_in_chromium(served_with_stats: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(UI_TIMEOUT)
            errors: list[str] = []
            outside: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "request",
                lambda r: None if r.url.startswith(served_with_stats) else outside.append(r.url),
            )
            page.goto(served_with_stats + "/")
            page.get_by_role("link", name="Stats").click()
            expect(page).to_have_url(served_with_stats + "/stats")
            expect(page.locator("h1")).to_contain_text("Reading stats · #1")
            page.wait_for_function(  # the deferred scripts have run
                "() => window.Chart && Chart.getChart(document.getElementById('chart-friends'))"
            )

            # Each chart is a Chart.js chart with the page's numbers in it.
            for chart, series in (("sections", 4), ("trend", 2), ("friends", 3)):
                drawn = page.evaluate(
                    "id => { const c = Chart.getChart(document.getElementById(id));"
                    " return c ? c.data.datasets.length : 0; }",
                    f"chart-{chart}",
                )
                assert drawn == series, (chart, drawn)
            opened = page.evaluate(
                "() => Chart.getChart(document.getElementById('chart-sections'))"
                ".data.datasets[1].data"
            )
            assert opened == [12, 41, 8, 23, 3, 11, 5, 19]  # Slack, LINE per section
            # No delivery went out: every section's delivered is 0, and the table says so.
            table = page.locator("#table-sections")
            expect(table).to_contain_text("トピック")
            expect(page.locator(".reach")).to_contain_text("Slack has no read receipts")
            expect(page.locator("text=量子コンピューター")).to_be_visible()
            screenshot = os.environ.get("HAISHIN_STATS_SCREENSHOT")
            if screenshot:
                page.evaluate("document.fonts.ready")
                page.screenshot(path=str(ROOT / screenshot), full_page=True)
            assert errors == [], errors  # no script error, nothing blocked by the CSP
            assert outside == [], outside  # everything came from haishin itself
        finally:
            browser.close()
