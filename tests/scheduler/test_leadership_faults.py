"""The scheduler's leader on a PostgreSQL that ends, hangs or restarts its session: it steps
down on time, and a standby (or itself) leads again once the database lets it."""

from __future__ import annotations

import asyncio

import pytest

from core.clock import FixedClock
from core.storage.database import Database
from scheduler.leadership import CONFIRM_TIMEOUT, SCHEDULER_LOCK
from scheduler.runtime import SchedulerRuntime
from scheduler.service import SchedulerService
from tests.core.delivery.conftest import NOW, RecordingLine, RecordingPublisher, World, eventually
from tests.fakes.pgserver import OwnPostgres, own_postgres_or_skip

pytestmark = pytest.mark.postgres

LOCK_HOLDER = (
    "pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND ((classid::bigint << 32) | objid::bigint) = %s)"
)


server = pytest.fixture(scope="module", name="server")(own_postgres_or_skip)


@pytest.fixture
async def two(server: OwnPostgres) -> tuple[Database, Database]:
    url = server.url()
    first, second = Database.from_url(url), Database.from_url(url)
    await first.migrate()
    return first, second


def runtime_for(db: Database) -> SchedulerRuntime:
    world = World(db, FixedClock(NOW), RecordingPublisher(), RecordingLine())

    async def reconcile() -> None:
        return None

    return SchedulerRuntime(world.publishing, lambda: None, reconcile)


async def test_a_leader_whose_session_is_ended_steps_down_at_once(
    server: OwnPostgres, two: tuple[Database, Database]
) -> None:
    first = SchedulerService(two[0], runtime_for(two[0]), check_every=3600)
    second = SchedulerService(two[1], runtime_for(two[1]), check_every=0.2)
    try:
        await first.start()
        await second.start()
        assert first.leader and not second.leader
        [holder] = server.backends(LOCK_HOLDER, (SCHEDULER_LOCK,))
        server.execute("SELECT pg_terminate_backend(%s)", (holder,))
        # It checks only hourly, but it watches the session: it stops without waiting.
        await eventually(lambda: not first.leader, within=3)
        await eventually(lambda: second.leader, within=5)
    finally:
        await first.stop()
        await second.stop()
        for db in two:
            await db.dispose()


async def test_a_leader_whose_database_hangs_steps_down_before_the_lock_is_freed(
    server: OwnPostgres, two: tuple[Database, Database]
) -> None:
    first = SchedulerService(two[0], runtime_for(two[0]), check_every=0.5)
    second = SchedulerService(two[1], runtime_for(two[1]), check_every=0.5)
    try:
        await first.start()
        await second.start()
        assert first.leader
        with server.frozen(server.backends(LOCK_HOLDER, (SCHEDULER_LOCK,))):
            await eventually(lambda: not first.leader, within=0.5 + CONFIRM_TIMEOUT + 2)
            assert not second.leader  # the hung session still holds the lock
        # Once the server runs again it finds the session closed, frees the lock, and
        # either process leads again.
        await eventually(lambda: first.leader or second.leader, within=10)
        assert not (first.leader and second.leader)
    finally:
        await first.stop()
        await second.stop()
        for db in two:
            await db.dispose()


async def test_after_a_restart_of_the_server_one_process_leads_again(
    server: OwnPostgres, two: tuple[Database, Database]
) -> None:
    first = SchedulerService(two[0], runtime_for(two[0]), check_every=0.2)
    second = SchedulerService(two[1], runtime_for(two[1]), check_every=0.2)
    try:
        await first.start()
        await second.start()
        await asyncio.to_thread(server.restart, "immediate")  # every session ends

        def held_again() -> bool:
            return bool(server.backends(LOCK_HOLDER, (SCHEDULER_LOCK,)))

        await eventually(held_again, within=15)
        await eventually(lambda: first.leader != second.leader, within=5)
    finally:
        await first.stop()
        await second.stop()
        for db in two:
            await db.dispose()
