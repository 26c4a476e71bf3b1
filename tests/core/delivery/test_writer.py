"""Recording sends in batches: many at once, and never a row that is no longer ours."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from core.delivery.stores import DeliveryStores
from core.ledger import Delivery
from core.storage.delivery_ledger import DeliveryLedgerRepository
from core.storage.ledger_writer import LedgerWriter
from core.storage.models import DeliveryRow
from tests.core.delivery.conftest import World


async def claimed_parents(world: World, channels: int, worker: str) -> list[Delivery]:
    for n in range(channels):
        await world.subscribe(f"C{n}")
    await world.publish_and_hand_over()
    return await DeliveryStores.over(world.db, clock=world.clock).claims.claim_heads(worker, 1000)


def follower(rows: list[Delivery], done: Delivery) -> Delivery:
    return next(r for r in rows if r.group == done.group and r.position == done.position + 1)


async def test_sends_recorded_together_are_one_transaction_and_claim_their_next_units(
    world: World,
) -> None:
    parents = await claimed_parents(world, 200, "w1")
    rows = await DeliveryLedgerRepository(world.db).rows()
    writer = LedgerWriter(world.db, clock=world.clock)
    nexts = await asyncio.gather(
        *(
            writer.complete(p, "w1", f"{p.subscription_id}:1", 1, follower(rows, p).id)
            for p in parents
        )
    )
    await writer.close()
    assert writer.batches <= 2  # 200 completions, not 200 transactions
    assert all(n is not None and n.state == "sending" and n.attempts == 1 for n in nexts)
    after = {r.id: r for r in await DeliveryLedgerRepository(world.db).rows()}
    for parent, following in zip(parents, nexts, strict=True):
        assert after[parent.id].state == "sent"
        assert after[parent.id].sent_ref == f"{parent.subscription_id}:1"
        assert after[parent.id].claimed_by is None
        assert following is not None
        assert (after[following.id].state, after[following.id].claimed_by) == ("sending", "w1")
        assert after[following.id].attempts == 1


async def test_a_send_recorded_after_its_row_was_taken_over_writes_nothing(world: World) -> None:
    [parent] = await claimed_parents(world, 1, "w1")
    rows = await DeliveryLedgerRepository(world.db).rows()
    async with world.db.transaction() as session:  # w1 was taken for dead; w2 has the row
        await session.execute(
            update(DeliveryRow).where(DeliveryRow.id == parent.id).values(claimed_by="w2")
        )
    writer = LedgerWriter(world.db, clock=world.clock)
    assert await writer.complete(parent, "w1", "C0:1", 1, rows[1].id) is None
    await writer.close()
    after = await DeliveryLedgerRepository(world.db).rows()
    assert (after[0].state, after[0].claimed_by, after[0].sent_ref) == ("sending", "w2", None)
    assert (after[1].state, after[1].claimed_by) == ("pending", None)


async def test_a_reservation_is_taken_only_by_its_worker_and_a_later_retry_waits(
    world: World,
) -> None:
    [parent] = await claimed_parents(world, 1, "w1")
    rows = await DeliveryLedgerRepository(world.db).rows()
    writer = LedgerWriter(world.db, clock=world.clock)
    reserved = await writer.complete(parent, "w1", "C0:1", 1, rows[1].id, reserve=True)
    assert reserved is not None and (reserved.state, reserved.claimed_by) == ("pending", "w1")
    assert await writer.take(reserved, "w2") is None
    taken = await writer.take(reserved, "w1")
    assert taken is not None and (taken.state, taken.attempts) == ("sending", 1)

    async with world.db.transaction() as session:  # the unit after it failed, due later
        await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == rows[2].id)
            .values(state="failed", next_attempt_at=world.clock.now() + timedelta(minutes=1))
        )
    assert await writer.complete(taken, "w1", "C0:2", 1, rows[2].id) is None
    await writer.close()
    after = await DeliveryLedgerRepository(world.db).rows()
    assert [r.state for r in after[:3]] == ["sent", "sent", "failed"]
    assert after[2].claimed_by is None
