"""Starting claimed groups: what each needs is read for the whole claim, in a few queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event

from core.delivery import BatchPlan
from core.storage.delivery_ledger import DeliveryLedgerRepository
from tests.core.delivery.conftest import World, slack_error


async def test_a_claim_of_many_groups_is_set_up_in_a_few_queries(world: World) -> None:
    for n in range(150):
        await world.subscribe(f"C{n}")
    world.followers = [BatchPlan(("U1", "U2"), ("topic",)), BatchPlan(("U3",), ())]
    line = await world.subscribe("all", platform="line", workspace=None)
    await world.publish_and_hand_over()
    worker = world.worker()
    await worker.register()
    heads = await worker.claims.claim_heads(worker.id, 1000)
    assert len(heads) == 152  # 150 channels, two LINE batches

    statements: list[str] = []

    def count(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):
            statements.append(args[2])

    engine = world.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        starts = await worker.sender.prepare(heads)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    # Subscriptions, the issue, the groups' rows, the LINE batches: not four per group (608).
    assert len(statements) <= 5, statements
    assert len(starts) == 152
    batches = {s.batch for s in starts.values() if s.subscription.id == line.id}
    assert batches == {BatchPlan(("U1", "U2"), ("topic",)), BatchPlan(("U3",), ())}
    channel = next(s for s in starts.values() if s.subscription.target == "C7")
    assert channel.batch is None and channel.first is None
    assert len(channel.following) == 4  # topic, articles, shorts, afterword after the parent


async def test_a_group_taken_up_again_threads_on_its_sent_parent(world: World) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    world.slack.fail(slack_error("ratelimited", retry_after=30), recipient="C1")
    worker = world.worker()
    await worker.register()
    await worker.drain()  # the parent could not go: it waits 30 s
    world.clock.advance(timedelta(seconds=31))
    world.slack.queued.clear()
    [parent] = await worker.claims.claim_heads(worker.id, 10)
    await worker.sender.writer.complete(parent, worker.id, "C1:1.0", 1, None)
    await worker.sender.writer.close()
    [topic] = await worker.claims.claim_heads(worker.id, 10)
    assert topic.unit == "topic"

    start = (await worker.sender.prepare([topic]))[topic.id]

    rows = await DeliveryLedgerRepository(world.db).rows()
    assert start.first == "C1:1.0"
    assert start.following == [r.id for r in rows if r.position > 1]
