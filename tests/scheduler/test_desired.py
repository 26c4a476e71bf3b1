"""Jobs derived from subscriptions and issues: editing a subscription moves its job; an
unchanged job keeps its next run (so a run missed during downtime is not lost)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import create_engine

from core.slot import WeeklySlot
from scheduler.desired import desired_jobs, reconcile
from scheduler.service import job_store_url
from scheduler.triggers import WeeklySlotTrigger
from tests.core.delivery.conftest import PUBLISH_AT, World, issue


@pytest.fixture
async def scheduler(world: World) -> AsyncIterator[Any]:
    engine = create_engine(job_store_url(world.db))
    sched = AsyncIOScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)}, timezone=UTC)
    sched.start(paused=True)  # jobs are stored, never run here
    yield sched
    sched.shutdown(wait=False)
    engine.dispose()


async def test_jobs_follow_the_database(world: World, scheduler: Any) -> None:
    weekly = await world.subscriptions.add(
        platform="slack",
        workspace="T1",
        target="C1",
        cadence="weekly",
        slot=WeeklySlot.parse("mon 09:00", "Asia/Tokyo"),
    )
    await world.subscribe("C2")  # on-publish: no job of its own
    future = PUBLISH_AT + timedelta(days=7)
    await world.store(issue(2), key="issues/2.txt", publish_at=future)
    changes = reconcile(scheduler, await desired_jobs(world.db))
    assert sorted(changes.added) == ["digest:" + str(weekly.id), "publish:1", "publish:2", "sweep"]
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert jobs["publish:2"].trigger.run_date == future
    assert jobs[f"digest:{weekly.id}"].trigger == WeeklySlotTrigger(weekly.slot)  # type: ignore[arg-type]
    assert jobs[f"digest:{weekly.id}"].misfire_grace_time == 12 * 3600
    assert jobs[f"digest:{weekly.id}"].coalesce
    assert jobs["publish:1"].misfire_grace_time is None

    again = reconcile(scheduler, await desired_jobs(world.db))
    assert not again.changed

    await world.subscriptions.update(weekly.id, slot=WeeklySlot.parse("fri 18:00", "Europe/Berlin"))
    moved = reconcile(scheduler, await desired_jobs(world.db))
    assert moved.replaced == (f"digest:{weekly.id}",) and not moved.added
    job = scheduler.get_job(f"digest:{weekly.id}")
    assert str(job.trigger) == "weekly[fri 18:00 Europe/Berlin]"

    await world.subscriptions.pause(weekly.id, "holiday")
    await world.issues.mark_published(1, world.clock.now())
    gone = reconcile(scheduler, await desired_jobs(world.db))
    assert sorted(gone.removed) == [f"digest:{weekly.id}", "publish:1"]


async def test_an_unchanged_job_keeps_its_missed_run(world: World, scheduler: Any) -> None:
    weekly = await world.subscriptions.add(
        platform="slack",
        workspace="T1",
        target="C1",
        cadence="weekly",
        slot=WeeklySlot.parse("mon 09:00", "Asia/Tokyo"),
    )
    reconcile(scheduler, await desired_jobs(world.db))
    missed = datetime.now(UTC) - timedelta(hours=2)
    scheduler.modify_job(f"digest:{weekly.id}", next_run_time=missed)
    assert not reconcile(scheduler, await desired_jobs(world.db)).changed
    assert scheduler.get_job(f"digest:{weekly.id}").next_run_time == missed


async def test_stored_jobs_load_in_a_new_scheduler(world: World, scheduler: Any) -> None:
    weekly = await world.subscriptions.add(
        platform="line",
        target="all",
        cadence="weekly",
        slot=WeeklySlot.parse("sat 10:00", "Asia/Tokyo"),
    )
    reconcile(scheduler, await desired_jobs(world.db))
    engine = create_engine(job_store_url(world.db))
    try:
        fresh = SQLAlchemyJobStore(engine=engine)
        fresh.start(None, "default")
        job = fresh.lookup_job(f"digest:{weekly.id}")
        assert job.func_ref == "scheduler.jobs:weekly_digest"
        assert job.args == (weekly.id,)
        assert job.trigger == WeeklySlotTrigger(weekly.slot)  # type: ignore[arg-type]
    finally:
        engine.dispose()
