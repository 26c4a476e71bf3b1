"""``haishin serve``'s stats upkeep forgets days past ``stats_days`` as soon as it starts,
even when nothing is being counted."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bots.runtime import StatsUpkeep, factories
from bots.runtime.stats_upkeep import stats_upkeep
from core.clock import FixedClock
from core.stats import StatsRecorder
from core.stats.model import FollowerCounts, StatsBatch
from core.storage.database import Database
from core.storage.stats import StatsRepository

TOKYO = ZoneInfo("Asia/Tokyo")


async def test_upkeep_prunes_at_start(database: Database) -> None:
    assert factories().count(stats_upkeep) == 1
    store = StatsRepository(database, zone=TOKYO)
    old = StatsBatch(followers={(date(2024, 1, 1), "line"): FollowerCounts(follows=3)})
    recent = StatsBatch(followers={(date(2025, 10, 1), "line"): FollowerCounts(follows=1)})
    await store.add(old)
    await store.add(recent)
    clock = FixedClock(datetime(2025, 10, 5, tzinfo=UTC))
    upkeep = StatsUpkeep(StatsRecorder(store, clock=clock, zone=TOKYO, keep_days=400))
    await upkeep.start()
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while len(await store.followers(None, None)) > 1:
            assert asyncio.get_running_loop().time() < deadline, "old days never pruned"
            await asyncio.sleep(0.01)
    finally:
        await upkeep.stop()
    assert [d.day for d in await store.followers(None, None)] == [date(2025, 10, 1)]
