"""Each webhook event is handled once, in this process and in every other one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bots.dedupe import EventDeduplicator
from core.clock import FixedClock
from core.storage import Database, ProcessedEvents

CLOCK = FixedClock(datetime(2025, 10, 5, tzinfo=UTC))


@pytest.mark.parametrize("platform", ["line", "slack"])
async def test_events_are_recorded_in_one_batch_and_known_to_other_processes(
    database: Database, platform: str
) -> None:
    first = EventDeduplicator(database, CLOCK, platform=platform)
    ids = [f"01JEVENT{n:018d}" for n in range(50)]
    assert all([await first.first_time(i, redelivery=False) for i in ids])
    assert not await first.first_time(ids[0], redelivery=False)  # same process: memory
    await first.flush()

    other = EventDeduplicator(database, CLOCK, platform=platform)  # its own memory
    assert not await other.first_time(ids[7], redelivery=True)
    assert await other.first_time("01JNEW", redelivery=True)
    assert not await ProcessedEvents(database).first_time(platform, "01JNEW", CLOCK.now())


async def test_a_redelivery_sees_the_batch_its_own_process_has_not_written_yet(
    database: Database,
) -> None:
    dedupe = EventDeduplicator(database, CLOCK, platform="slack", memory=1, flush_every=3600)
    await dedupe.first_time("Ev01", redelivery=False)
    await dedupe.first_time("Ev02", redelivery=False)  # memory holds one: Ev01 forgotten
    assert not await dedupe.first_time("Ev01", redelivery=True)


async def test_the_same_id_on_two_platforms_is_two_events(database: Database) -> None:
    line = EventDeduplicator(database, CLOCK, platform="line")
    slack = EventDeduplicator(database, CLOCK, platform="slack")
    assert await line.first_time("SAME", redelivery=False)
    await line.flush()
    assert await slack.first_time("SAME", redelivery=True)


async def test_stopping_writes_what_is_waiting(database: Database) -> None:
    dedupe = EventDeduplicator(database, CLOCK, platform="line", flush_every=3600)
    await dedupe.start()
    await dedupe.first_time("01JLAST", redelivery=False)
    await dedupe.stop()
    assert not await ProcessedEvents(database).first_time("line", "01JLAST", CLOCK.now())
