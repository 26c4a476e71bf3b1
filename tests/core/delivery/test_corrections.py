"""A corrected issue updates what was sent and never sends it again."""

from __future__ import annotations

import dataclasses

from core.storage.delivery_ledger import DeliveryLedgerRepository
from tests.core.delivery.conftest import World, issue


async def send_issue_one(world: World) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    worker = world.worker()
    await worker.register()
    await worker.drain()


async def test_a_correction_updates_every_sent_message_once(world: World) -> None:
    await send_issue_one(world)
    await world.store(issue(1, edit=" (訂正)"))
    worker = world.worker()
    await worker.register()
    assert await worker.correct() == 5
    assert len(world.slack.sends) == 5  # nothing sent again
    assert sorted(u for _, u, _ in world.slack.updates) == sorted(
        ["parent", "topic", "articles", "shorts", "afterword"]
    )
    assert {revision for _, _, revision in world.slack.updates} == {2}
    assert await worker.correct() == 0
    await worker.drain()
    assert len(world.slack.sends) == 5
    rows = await DeliveryLedgerRepository(world.db).rows()
    assert {(r.state, r.revision) for r in rows} == {("sent", 2)}


async def test_a_correction_that_adds_a_section_appends_it_to_the_thread(world: World) -> None:
    await send_issue_one(world)
    corrected = issue(1)
    extra = dataclasses.replace(corrected.sections[1], key="events", title="イベント")
    await world.store(dataclasses.replace(corrected, sections=(*corrected.sections, extra)))
    worker = world.worker()
    await worker.register()
    await worker.correct()
    await worker.drain()
    assert world.slack.units_to("C1")[5:] == ["events"]
    parent = world.slack.by_id[world.slack.sends[0].delivery_id].ref
    assert world.slack.sends[5].thread_ref == parent
    assert world.slack.duplicates() == []


async def test_a_correction_before_sending_sends_the_new_text_only(world: World) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    await world.store(issue(1, edit=" (訂正)"))
    worker = world.worker()
    await worker.register()
    await worker.correct()
    await worker.drain()
    assert {s.revision for s in world.slack.sends} == {2}
    assert world.slack.updates == []
    assert len(world.slack.sends) == 5
