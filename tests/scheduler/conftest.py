"""Scheduler fixtures: the delivery test world (a database with issue 1, a clock, recording
publishers) and a runtime the jobs reach."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.clock import FixedClock
from core.storage.database import Database
from scheduler.runtime import SchedulerRuntime, install
from tests.core.delivery.conftest import NOW, RecordingLine, RecordingPublisher, World, issue


@pytest.fixture
async def world(database: Database) -> World:
    w = World(database, FixedClock(NOW), RecordingPublisher(), RecordingLine())
    await w.store(issue(1))
    return w


@pytest.fixture
async def runtime(world: World) -> AsyncIterator[SchedulerRuntime]:
    woken: list[int] = []

    async def reconcile() -> None:
        return None

    rt = SchedulerRuntime(world.publishing, lambda: woken.append(1), reconcile)
    install(rt)
    yield rt
    install(None)
