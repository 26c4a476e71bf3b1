"""Fencing: a worker that lost its claims neither sends nor records what it no longer owns."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError

from core.clock import FixedClock
from core.delivery import DeliveryWorker, RetryPolicy, WorkerSettings
from core.delivery.stores import DeliveryStores
from core.delivery.worker import FENCE_MARGIN
from core.ledger import Failure
from core.ports import Audience, SendJob, SentMessage
from core.storage.database import Database
from core.storage.dbclock import DatabaseClock
from core.storage.delivery_ledger import DeliveryLedgerRepository
from core.storage.ledger_writer import LedgerWriter
from core.storage.models import DeliveryRow
from tests.core.delivery.conftest import (
    NOW,
    RecordingLine,
    RecordingPublisher,
    World,
    issue,
)
from tests.fakes.pgserver import OwnPostgres, own_postgres_or_skip


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def worker(world: World, monotonic: Monotonic) -> DeliveryWorker:
    return DeliveryWorker(
        DeliveryStores.over(world.db, clock=world.clock),
        world.fanout,
        clock=world.clock,
        policy=RetryPolicy(rng=random.Random(7)),
        settings=WorkerSettings(heartbeat=3600),
        worker_id="w1",
        monotonic=monotonic,
    )


LAPSED = (WorkerSettings().worker_timeout - FENCE_MARGIN).total_seconds() + 1


async def test_a_send_recorded_by_an_earlier_claim_of_the_same_worker_writes_nothing(
    world: World,
) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    queue = DeliveryStores.over(world.db, clock=world.clock).claims
    [first] = await queue.claim_heads("w1", 10)
    # w1 was taken for dead meanwhile, and its row claimed again: by w1, anew.
    async with world.db.transaction() as session:
        await session.execute(
            update(DeliveryRow).where(DeliveryRow.id == first.id).values(claimed_by=None)
        )
    [again] = await queue.claim_heads("w1", 10)
    assert again.id == first.id and again.attempts == first.attempts + 1
    writer = LedgerWriter(world.db, clock=world.clock)
    assert await writer.complete(first, "w1", "C1:1", 1, None) is None
    assert not await writer.fail(first, "w1", Failure("x", "late", None))
    await writer.close()
    [row] = [r for r in await DeliveryLedgerRepository(world.db).rows() if r.id == first.id]
    assert (row.state, row.sent_ref, row.attempts) == ("sending", None, again.attempts)


async def test_a_worker_whose_heartbeats_stopped_reaching_the_database_claims_nothing(
    world: World,
) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    monotonic = Monotonic()
    w = worker(world, monotonic)
    await w.register()
    beat = w.heartbeats.heartbeat

    async def unreachable(worker_id: str) -> bool:
        raise OperationalError("UPDATE workers", {}, Exception("no route to host"))

    w.heartbeats.heartbeat = unreachable  # type: ignore[method-assign]
    monotonic.now += LAPSED
    assert not w.holds_lease()
    await w.drain()
    assert world.slack.sends == []
    assert {r.state for r in await DeliveryLedgerRepository(world.db).rows()} == {"pending"}
    w.heartbeats.heartbeat = beat  # type: ignore[method-assign]
    await w.drain()  # a heartbeat goes through again: it sends
    assert len(world.slack.sends) == len(await DeliveryLedgerRepository(world.db).rows())
    assert world.slack.duplicates() == []


async def test_a_drain_long_after_registering_renews_the_lease_and_sends(world: World) -> None:
    # haishin send registers, then may wait out a settle time before it drains: a worker
    # that is not running its heartbeat loop beats when it drains, and while it does.
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    monotonic = Monotonic()
    w = worker(world, monotonic)
    await w.register()
    monotonic.now += LAPSED
    assert not w.holds_lease()
    await w.drain()
    assert len(world.slack.sends) == len(await DeliveryLedgerRepository(world.db).rows())
    assert {r.state for r in await DeliveryLedgerRepository(world.db).rows()} == {"sent"}


async def test_a_group_under_way_stops_before_its_next_send_once_the_lease_ran_out(
    world: World,
) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    monotonic = Monotonic()
    w = worker(world, monotonic)
    send = world.slack.send

    async def cut_off_after_sending(job: SendJob) -> SentMessage:
        sent = await send(job)
        monotonic.now += LAPSED  # its heartbeats stop going through from now on
        return sent

    world.slack.send = cut_off_after_sending  # type: ignore[method-assign]
    await w.register()
    await w.drain()
    assert len(world.slack.sends) == 1
    rows = await DeliveryLedgerRepository(world.db).rows()
    states = sorted((r.position, r.state, r.claimed_by) for r in rows)
    assert states[0] == (0, "sent", None)
    # the next unit went back to the ledger unsent: anyone may claim it
    assert all(state == "pending" and by is None for _, state, by in states[1:])


async def test_on_postgresql_times_are_the_database_servers(world: World) -> None:
    if world.db.dialect != "postgresql":
        return  # on SQLite every process shares one host's clock
    behind = FixedClock(datetime.now(UTC) - timedelta(minutes=2))
    clock = DatabaseClock(world.db, behind)
    await clock.sync()
    async with world.db.reading() as conn:
        server = await conn.scalar(text("SELECT clock_timestamp()"))
    assert abs((clock.now() - server).total_seconds()) < 2


class PacedPublisher(RecordingPublisher):
    """Every channel waits 2 s between posts (so later units are reserved, not claimed);
    ``during_wait`` runs while the first such wait is under way."""

    def __init__(self, during_wait: Callable[[], None]) -> None:
        super().__init__()
        self.during_wait: Callable[[], None] | None = during_wait

    def pace(self, audience: Audience) -> float:
        return 2.0

    async def wait_pace(self, audience: Audience, *, ahead: float = 0.0) -> None:
        if self.during_wait is not None:
            hook, self.during_wait = self.during_wait, None
            await asyncio.to_thread(hook)


server = pytest.fixture(scope="module", name="server")(own_postgres_or_skip)


@pytest.mark.postgres
async def test_a_reservation_that_could_not_be_given_back_is_given_back_later(
    server: OwnPostgres,
) -> None:
    db = Database.from_url(server.create_database("reservations"))
    await db.migrate()
    publisher = PacedPublisher(lambda: server.stop("fast"))
    world = World(db, FixedClock(NOW), publisher, RecordingLine())
    try:
        await world.store(issue(1))
        await world.subscribe("C1")
        await world.publish_and_hand_over()
        w = worker(world, Monotonic())
        await w.register()
        with pytest.raises(OperationalError):  # the database stops while the next waits
            await w.drain()
        assert len(publisher.sends) == 1
        server.start()
        await w.register()
        await w.drain()  # the stuck reservation is given back, and the rest is sent
        rows = await DeliveryLedgerRepository(db).rows()
        assert {r.state for r in rows} == {"sent"}
        assert len(publisher.sends) == len(rows) and publisher.duplicates() == []
    finally:
        if not server.running():
            server.start()
        await db.dispose()
