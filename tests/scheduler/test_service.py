"""One scheduler per database, and a digest missed during downtime goes out once."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from core.slot import WeeklySlot
from core.storage.database import Database
from core.storage.delivery_ledger import DeliveryLedgerRepository
from scheduler.leadership import FileLeadership, leadership_for
from scheduler.runtime import SchedulerRuntime
from scheduler.service import SchedulerService
from tests.core.delivery.conftest import World


async def weekly_subscriber(world: World) -> int:
    # The slot's real last occurrence is four days ago, far outside the misfire grace, so only
    # the run time a test sets counts (whatever the day and hour the tests run at).
    slot = datetime.now(UTC) + timedelta(days=3)
    sub = await world.subscriptions.add(
        platform="slack",
        workspace="T1",
        target="C1",
        cadence="weekly",
        slot=WeeklySlot.parse(f"{slot:%a %H:%M}".lower(), "UTC"),
        starts_after=0,
    )
    await world.publishing.publish_due()
    # The jobs run on the real clock: hand-overs count from the slot before it.
    world.clock.set(datetime.now(UTC))
    return sub.id


async def go_down_after_missing(
    world: World, runtime: SchedulerRuntime, job: str, by: timedelta
) -> None:
    """A first life of the service stores the jobs; then the slot passes while it is down."""
    service = SchedulerService(world.db, runtime)
    await service.start()
    assert service.leader
    service.scheduler.pause()
    service.scheduler.modify_job(job, next_run_time=datetime.now(UTC) - by)
    await service.stop()


async def test_a_slot_missed_during_downtime_is_delivered_once(
    world: World, runtime: SchedulerRuntime
) -> None:
    sub = await weekly_subscriber(world)
    await go_down_after_missing(world, runtime, f"digest:{sub}", timedelta(hours=3))
    ledger = DeliveryLedgerRepository(world.db)
    assert await ledger.rows() == []

    service = SchedulerService(world.db, runtime)  # the restart
    await service.start()
    try:
        rows: list[object] = []

        async def handed_over() -> None:
            rows[:] = await ledger.rows(subscription_id=sub)

        for _ in range(500):
            await handed_over()
            if rows:
                break
            await asyncio.sleep(0.01)
        assert len(rows) == 5
        next_run = service.next_runs()[f"digest:{sub}"]
        assert next_run > datetime.now(UTC)  # the next slot, not another catch-up
        await service.reconcile()
    finally:
        await service.stop()
    service = SchedulerService(world.db, runtime)  # and one more restart: nothing more
    await service.start()
    await service.stop()
    worker = world.worker()
    await worker.register()
    await worker.drain()
    assert world.slack.units_to("C1") == ["parent", "topic", "articles", "shorts", "afterword"]
    assert world.slack.duplicates() == []


async def test_a_slot_missed_by_more_than_the_grace_waits_for_the_next(
    world: World, runtime: SchedulerRuntime
) -> None:
    sub = await weekly_subscriber(world)
    await go_down_after_missing(world, runtime, f"digest:{sub}", timedelta(hours=13))
    missed = asyncio.Event()
    service = SchedulerService(world.db, runtime, on_missed=lambda _: missed.set())
    await service.start()
    try:
        await asyncio.wait_for(missed.wait(), 10)
        assert await DeliveryLedgerRepository(world.db).rows() == []
        assert service.next_runs()[f"digest:{sub}"] > datetime.now(UTC)
    finally:
        await service.stop()


async def test_only_one_scheduler_per_database_and_a_standby_takes_over(
    world: World, runtime: SchedulerRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    other_db = Database.from_url(world.db.url.render_as_string(hide_password=False))
    first = SchedulerService(world.db, runtime, check_every=3600)
    second = SchedulerService(other_db, runtime, check_every=3600)
    try:
        await first.start()
        with caplog.at_level(logging.WARNING, "haishin.scheduler"):
            await second.start()
        assert first.leader and not second.leader
        assert "already runs the scheduler" in caplog.text
        assert "will not start another" in caplog.text
        await second._tick()
        assert not second.leader
        await first.stop()  # the leader goes
        await second._tick()
        assert second.leader
    finally:
        await first.stop()
        await second.stop()
        await other_db.dispose()


async def test_sqlite_lock_refuses_a_second_process(world: World, tmp_path: object) -> None:
    if world.db.dialect != "sqlite":
        pytest.skip("the file lock is SQLite's")
    lock = leadership_for(world.db)
    assert isinstance(lock, FileLeadership)
    assert await lock.acquire()
    try:
        code = (
            "import asyncio, pathlib, sys\n"
            "from scheduler.leadership import FileLeadership\n"
            f"lock = FileLeadership(pathlib.Path({str(lock.path)!r}))\n"
            "sys.exit(0 if not asyncio.run(lock.acquire()) else 3)\n"
        )
        child = await asyncio.create_subprocess_exec(sys.executable, "-c", code)
        assert await child.wait() == 0, "a second process must not get the scheduler lock"
    finally:
        await lock.release()
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", code)
    assert await child.wait() == 3, "once released, another process may take it"


async def test_postgres_leader_that_loses_its_connection_steps_down(
    world: World, runtime: SchedulerRuntime
) -> None:
    if world.db.dialect != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    other_db = Database.from_url(world.db.url.render_as_string(hide_password=False))
    first = SchedulerService(world.db, runtime, check_every=3600)
    second = SchedulerService(other_db, runtime, check_every=3600)
    try:
        await first.start()
        await second.start()
        assert first.leader and not second.leader
        async with world.db.engine.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = "
                    "'advisory' AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": 0x6861_6973_6869_0003},
            )
            await conn.commit()
        await second._tick()  # the lock is free as soon as the server ended that session
        assert second.leader
        await first._tick()  # the old leader notices and stops its scheduler
        assert not first.leader
    finally:
        await first.stop()
        await second.stop()
        await other_db.dispose()


async def test_on_sqlite_the_jobs_live_in_a_file_beside_the_database(
    world: World, runtime: SchedulerRuntime
) -> None:
    if world.db.dialect != "sqlite":
        pytest.skip("PostgreSQL keeps the jobs in the database itself")
    service = SchedulerService(world.db, runtime, check_every=3600)
    await service.start()
    try:
        assert service.leader and "sweep" in service.next_runs()
    finally:
        await service.stop()
    database = Path(world.db.url.database or "")
    assert await asyncio.to_thread(os.path.isfile, f"{database}.jobs")
    async with world.db.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
    assert "apscheduler_jobs" not in tables


async def test_a_scheduler_that_steps_down_leaves_its_sweeps_failures_behind(
    world: World, runtime: SchedulerRuntime
) -> None:
    service = SchedulerService(world.db, runtime)
    await service.start()
    assert service.leader
    world.db.health.failed("scheduler sweep", ConnectionError("the database went away"))
    world.db.health.failed("delivery worker", ConnectionError("the database went away"))
    await service.stop()  # a standby now: the next leader's sweep retries
    assert list(world.db.health.failing()) == ["delivery worker"]
