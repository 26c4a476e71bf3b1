"""The console's stats page over real counts: sections × platforms, what no platform can
know said in words (never 0), searches, friends; and the page when counting is off."""

from __future__ import annotations

from datetime import date, timedelta

from core.stats.model import (
    ISSUE_WIDE,
    FollowerCounts,
    SearchCounts,
    SearchKey,
    SectionCounts,
    SectionKey,
    StatsBatch,
)
from core.storage.stats import StatsRepository
from tests.bots.console.conftest import ConsoleHarness

DAY = date(2025, 10, 5)


def batch() -> StatsBatch:
    counts = StatsBatch()
    counts.sections[SectionKey(DAY, 1, "topic", "line")] = SectionCounts(
        opened=12, asked=3, pages=5
    )
    counts.sections[SectionKey(DAY, 1, "topic", "slack")] = SectionCounts(opened=4, asked=1)
    counts.sections[SectionKey(DAY, 1, ISSUE_WIDE, "line")] = SectionCounts(asked=2)
    counts.searches[SearchKey(DAY, "line", "ファイザー")] = SearchCounts(count=6, hits=2)
    counts.searches[SearchKey(DAY, "slack", "量子")] = SearchCounts(count=2, hits=0)
    counts.followers[(DAY, "line")] = FollowerCounts(follows=7, unfollows=2)
    counts.followers[(DAY + timedelta(days=1), "line")] = FollowerCounts(follows=1)
    return counts


async def test_the_stats_page_shows_counts_and_says_what_is_not_known(
    console: ConsoleHarness,
) -> None:
    services = console.services
    await StatsRepository(services.db, zone=services.profile.timezone).add(batch())
    response = await console.page("/stats")
    assert response.status_code == 200, response.text
    html = response.text
    assert "Reading stats · #1" in html
    assert 'href="/stats"' in html and 'aria-current="page">Stats' in html
    # The table: LINE's topic row, and Slack's.
    assert '<td class="num">12</td>' in html and '<td class="num">5</td>' in html
    assert "Slack has no read receipts" in html
    assert "ファイザー" in html and "量子" in html
    assert '<script type="application/json" id="stats-data">' in html
    assert "/static/console/vendor/chart.umd.min.js?v=" in html
    chart = await console.http.get("/static/console/vendor/chart.umd.min.js")
    assert chart.status_code == 200 and b"Chart.js v4" in chart.content
    assert (await console.page("/stats/1")).status_code == 200
    missing = await console.page("/stats/99")
    assert missing.status_code == 404 and "There is no issue 99" in missing.text


async def test_the_page_says_when_counting_is_off(console: ConsoleHarness) -> None:
    console.services.stats.keep_days = 0
    html = (await console.page("/stats")).text
    assert "Reading stats are off" in html
