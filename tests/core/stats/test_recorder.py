"""The recorder on a real database (SQLite and PostgreSQL): what is counted and how, batched
writes, several processes adding to the same rows, retention, and counting switched off."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.clock import FixedClock
from core.errors import ConfigError
from core.model import IssueRef, Post, Reply
from core.profile import parse_profile
from core.stats import ISSUE_WIDE, StatsRecorder
from core.storage.database import Database
from core.storage.insight import PlatformInsight
from core.storage.stats import StatsRepository

TOKYO = ZoneInfo("Asia/Tokyo")
# 23:30 in Tokyo on 2025-10-05: still the 5th there, already past midnight nowhere else.
NOW = datetime(2025, 10, 5, 14, 30, tzinfo=UTC)
POST = Post(
    platform="line",
    issue=IssueRef(7, None, None),
    section_key="topic",
    section_title="トピック",
    item=0,
    part=1,
    parts=1,
    headline=None,
    blocks=(),
)


def section(first: int = 1, *, key: str = "topic") -> Reply:
    return Reply(
        intent="section",
        language="ja",
        posts=(POST,),
        args={"issue": "7", "section": key, "first": str(first), "total": "9"},
    )


def recorder(db: Database, clock: FixedClock, *, keep_days: int = 400) -> StatsRecorder:
    store = StatsRepository(db, clock=clock, zone=TOKYO)
    return StatsRecorder(store, clock=clock, zone=TOKYO, keep_days=keep_days, write_behind=0.01)


async def test_reads_are_counted_by_how_they_were_asked_for(database: Database) -> None:
    clock = FixedClock(NOW)
    stats = recorder(database, clock)
    stats.answered("line", section(), "pressed")  # "読む"
    stats.answered("line", section(), "typed")  # 最新トピック
    stats.answered("line", section(6), "pressed")  # 続きを読む
    stats.answered("slack", section(4), "typed")  # "next"
    stats.answered("slack", section(), "shared")  # "share in channel": not a read
    stats.answered("line", Reply(intent="digest", language="ja", args={"issue": "7"}), "typed")
    stats.answered("line", Reply(intent="help", language="ja"), "typed")
    stats.answered("line", Reply(intent="section", language="ja"), "typed")  # "no more"
    stats.answered(
        "line",
        Reply(intent="search", language="ja", args={"query": "ＡＩ  規制", "hits": "3"}),
        "typed",
    )
    stats.answered(
        "slack",
        Reply(intent="search", language="en", args={"query": "ai 規制", "hits": "2"}),
        "typed",
    )
    stats.answered(
        "line", Reply(intent="search", language="ja", args={"query": "量子", "hits": "0"}), "typed"
    )
    await stats.flush()
    source = StatsRepository(database, zone=TOKYO)
    counts = await source.section_counts([7])
    assert {k: (c.opened, c.asked, c.pages) for k, c in counts.items()} == {
        (7, "topic", "line"): (1, 1, 1),
        (7, "topic", "slack"): (0, 0, 1),
        (7, ISSUE_WIDE, "line"): (0, 1, 0),
    }
    found = await source.searches(None, None, limit=10, zero_hits=False)
    assert [(s.query, s.count, s.hits) for s in found] == [("ai 規制", 2, 3)]  # most found
    nothing = await source.searches(None, None, limit=10, zero_hits=True)
    assert [(s.query, s.count) for s in nothing] == [("量子", 1)]


async def test_a_burst_is_written_in_a_few_transactions(database: Database) -> None:
    clock = FixedClock(NOW)
    stats = recorder(database, clock)
    for _ in range(1000):
        stats.answered("line", section(), "pressed")
    stats.follower("line", "follow")
    deadline = asyncio.get_running_loop().time() + 30
    source = StatsRepository(database, zone=TOKYO)
    # Until the writer has counted its transaction: the counts can be read as soon as it
    # commits, a moment before the writer resumes to count it (seen under load).
    while stats.writes == 0:
        assert asyncio.get_running_loop().time() < deadline, "the counts were never written"
        await asyncio.sleep(0.01)
    assert stats.writes == 1  # a thousand answers, one transaction
    assert (await source.section_counts([7]))[(7, "topic", "line")].opened == 1000
    [day] = await source.followers(None, None)
    assert (day.day, day.follows) == (date(2025, 10, 5), 1)  # Tokyo's day, not UTC's


async def test_two_processes_add_to_the_same_rows(database: Database) -> None:
    clock = FixedClock(NOW)
    first, second = recorder(database, clock), recorder(database, clock)
    for stats in (first, second):
        stats.answered("slack", section(), "typed")
        stats.follower("line", "unfollow")
    await asyncio.gather(first.flush(), second.flush())
    source = StatsRepository(database, zone=TOKYO)
    assert (await source.section_counts([7]))[(7, "topic", "slack")].asked == 2
    assert [d.unfollows for d in await source.followers(None, None)] == [2]


async def test_retention_forgets_days_past_stats_days(database: Database) -> None:
    clock = FixedClock(NOW - timedelta(days=30))
    old = recorder(database, clock, keep_days=10)
    old.answered("line", section(), "typed")
    old.follower("line", "follow")
    old.answered(
        "line", Reply(intent="search", language="ja", args={"query": "古い", "hits": "0"}), "typed"
    )
    await old.flush()
    await PlatformInsight(database, clock=clock).record_followers(
        "line", date(2025, 9, 5), status="ready", followers=5, targeted_reaches=0, blocks=0
    )
    clock.set(NOW)
    stats = recorder(database, clock, keep_days=10)
    stats.answered("line", section(key="afterword"), "typed")
    await stats.flush()  # the first write of the day prunes
    source = StatsRepository(database, zone=TOKYO)
    assert set(await source.section_counts([7])) == {(7, "afterword", "line")}
    assert await source.followers(None, None) == []
    assert await source.searches(None, None, limit=5, zero_hits=True) == []
    # Nine days ago is kept, ten days ago is not (stats_days = 10 keeps ten days, today too).
    for days in (9, 10):
        clock.set(NOW - timedelta(days=days))
        await recorder_flush(database, clock)
    clock.set(NOW)
    assert await recorder(database, clock, keep_days=10).prune_if_due() >= 1
    assert [d.day for d in await source.followers(None, None)] == [date(2025, 9, 26)]


async def recorder_flush(database: Database, clock: FixedClock) -> None:
    stats = recorder(database, clock, keep_days=400)
    stats.follower("line", "unblock")
    await stats.flush()


async def test_stats_days_0_counts_nothing(database: Database) -> None:
    clock = FixedClock(NOW)
    stats = recorder(database, clock, keep_days=0)
    assert not stats.enabled
    stats.answered("line", section(), "pressed")
    stats.follower("line", "follow")
    await stats.flush()
    source = StatsRepository(database, zone=TOKYO)
    assert await source.section_counts([7]) == {}
    assert stats.writes == 0


def test_the_profile_says_how_long_stats_are_kept() -> None:
    assert parse_profile({"name": "n"}).stats_days == 400
    assert parse_profile({"name": "n", "stats_days": 0}).stats_days == 0
    for bad in (-1, "400", 1.5, True, 99999):
        with pytest.raises(ConfigError, match="'stats_days' must be a whole number of days"):
            parse_profile({"name": "n", "stats_days": bad})
