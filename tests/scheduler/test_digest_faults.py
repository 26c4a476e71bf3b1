"""A weekly digest whose slot comes while the database is away: handed over once the
database answers again, by whichever process leads by then, and sent once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from core.clock import FixedClock
from core.slot import WeeklySlot
from core.storage.database import Database
from core.storage.delivery_ledger import DeliveryLedgerRepository
from scheduler import jobs
from scheduler.desired import WEEKLY_GRACE
from scheduler.runtime import SchedulerRuntime, install
from tests.core.delivery.conftest import NOW, RecordingLine, RecordingPublisher, World, issue
from tests.fakes.pgserver import OwnPostgres, own_postgres_or_skip

# Monday 09:00 in Tokyo, after issue 1 (due on the Saturday before).
SLOT = datetime(2025, 10, 6, 0, 0, tzinfo=UTC)
WHOLE = ["parent", "topic", "articles", "shorts", "afterword"]


server = pytest.fixture(scope="module", name="server")(own_postgres_or_skip)


def runtime_for(world: World) -> SchedulerRuntime:
    async def reconcile() -> None:
        return None

    return SchedulerRuntime(world.publishing, lambda: None, reconcile, world.db.health)


@pytest.mark.postgres
async def test_a_slot_that_came_while_the_database_was_away_is_delivered_once(
    server: OwnPostgres,
) -> None:
    url = server.create_database("digest_fault")
    clock = FixedClock(NOW)
    slack, line = RecordingPublisher(), RecordingLine()
    # Two hosts on one database: the leader when the slot came, and the one after.
    first = World(Database.from_url(url), clock, slack, line)
    second = World(Database.from_url(url), clock, slack, line)
    try:
        await first.db.migrate()
        await first.store(issue(1))
        await first.publishing.publish_due()
        sub = await first.subscriptions.add(
            platform="slack",
            workspace="T1",
            target="C1",
            cadence="weekly",
            slot=WeeklySlot.parse("mon 09:00", "Asia/Tokyo"),
            starts_after=0,
        )
        clock.set(SLOT + timedelta(seconds=1))

        server.stop("fast")
        install(runtime_for(first))
        await jobs.weekly_digest(sub.id)  # the slot's job: reported, not raised
        await jobs.sweep()
        assert first.db.health.failing()["scheduler sweep"]["state"] == "failing"

        server.start()
        server.wait_ready()
        clock.advance(timedelta(minutes=10))
        # The first host lost its lead meanwhile; the second's sweep and a late catch-up of
        # the first run at the same moment.
        install(runtime_for(second))
        await asyncio.gather(jobs.sweep(), first.publishing.catch_up_weekly(WEEKLY_GRACE))
        ledger = DeliveryLedgerRepository(first.db)
        rows = await ledger.rows(subscription_id=sub.id)
        assert sorted(r.unit for r in rows) == sorted(WHOLE)
        assert {r.issue_id for r in rows} == {1}
        install(runtime_for(first))  # and the first leads again: its job and sweep, late
        await jobs.weekly_digest(sub.id)
        await jobs.sweep()
        assert first.db.health.failing() == {}
        assert len(await ledger.rows(subscription_id=sub.id)) == len(WHOLE)
        worker = first.worker()
        await worker.register()
        await worker.drain()
        assert slack.units_to("C1") == WHOLE
        assert slack.duplicates() == []
    finally:
        install(None)
        if not server.running():
            server.start()
        for world in (first, second):
            await world.db.dispose()


# The database refuses to make ledger rows, as a full disk would (both databases). On
# SQLite a trigger calling a function that does not exist fails with OperationalError, as
# a full disk does (RAISE(ABORT) would be a constraint's IntegrityError, which the ledger
# takes for rows another process made first).
REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_rows BEFORE INSERT ON deliveries BEGIN SELECT disk_full(); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_rows() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'could not extend file: No space left on device'; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_rows BEFORE INSERT ON deliveries "
        "FOR EACH ROW EXECUTE FUNCTION refuse_rows()",
    ],
}
ALLOW = {
    "sqlite": ["DROP TRIGGER refuse_rows"],
    "postgresql": ["DROP TRIGGER refuse_rows ON deliveries", "DROP FUNCTION refuse_rows()"],
}


async def run_sql(db: Database, statements: list[str]) -> None:
    async with db.transaction() as session:
        for statement in statements:
            await session.execute(text(statement))


async def test_a_slot_whose_rows_the_database_refused_is_handed_over_once_it_takes_them(
    world: World,
) -> None:
    sub = await world.subscriptions.add(
        platform="slack",
        workspace="T1",
        target="C1",
        cadence="weekly",
        slot=WeeklySlot.parse("mon 09:00", "Asia/Tokyo"),
        starts_after=0,
    )
    await world.publishing.publish_due()
    world.clock.set(SLOT)
    install(runtime_for(world))
    try:
        await run_sql(world.db, REFUSE[world.db.dialect])
        await jobs.weekly_digest(sub.id)
        await jobs.sweep()
        assert "scheduler sweep" in world.db.health.failing()
        world.clock.advance(timedelta(minutes=1))
        await run_sql(world.db, ALLOW[world.db.dialect])
        await jobs.sweep()
        rows = await DeliveryLedgerRepository(world.db).rows(subscription_id=sub.id)
        assert sorted(r.unit for r in rows) == sorted(WHOLE)
        await jobs.sweep()
        await jobs.weekly_digest(sub.id)  # a late run of the slot's job: nothing more
    finally:
        install(None)
    assert world.db.health.failing() == {}
    assert len(await DeliveryLedgerRepository(world.db).rows(subscription_id=sub.id)) == len(WHOLE)
    w = world.worker()
    await w.register()
    await w.drain()
    assert world.slack.units_to("C1") == WHOLE
