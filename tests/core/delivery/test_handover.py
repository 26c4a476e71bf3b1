"""Which issue goes to whom: publishing, on-publish and weekly hand-over, no back catalogue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.delivery import BatchPlan
from core.slot import WeeklySlot
from core.storage.delivery_ledger import DeliveryLedgerRepository
from tests.core.delivery.conftest import PUBLISH_AT, World, issue


async def test_a_due_issue_is_published_and_handed_to_on_publish_subscribers_once(
    world: World,
) -> None:
    sub = await world.subscribe("C1")
    assert await world.publish_and_hand_over() == 5  # parent + four sections
    assert await world.publish_and_hand_over() == 0
    rows = await DeliveryLedgerRepository(world.db).rows(subscription_id=sub.id)
    assert [r.unit for r in rows] == ["parent", "topic", "articles", "shorts", "afterword"]
    assert [r.position for r in rows] == [0, 1, 2, 3, 4]
    assert {r.state for r in rows} == {"pending"}
    assert len({r.id for r in rows}) == 5


async def test_an_issue_before_its_time_is_not_published(world: World) -> None:
    await world.subscribe("C1")
    world.clock.set(PUBLISH_AT - timedelta(seconds=1))
    assert await world.publishing.publish_due() == []
    assert await world.publishing.hand_over_on_publish() is None


async def test_a_new_subscriber_does_not_get_the_back_catalogue(world: World) -> None:
    await world.publishing.publish_due()
    late = await world.subscribe("C2", starts_after=None)  # starts after issue 1
    assert late.starts_after == 1
    assert await world.publish_and_hand_over() == 0
    world.clock.advance(timedelta(days=7))
    await world.store(
        issue(2, date(2025, 10, 11)), key="issues/2.txt", publish_at=PUBLISH_AT + timedelta(days=7)
    )
    assert await world.publish_and_hand_over() == 5
    rows = await DeliveryLedgerRepository(world.db).rows(subscription_id=late.id)
    assert {r.issue_id for r in rows} == {(await world.issues.get(2)).id}  # type: ignore[union-attr]


async def test_only_the_newest_issue_goes_out_when_several_became_due_at_once(
    world: World,
) -> None:
    await world.store(
        issue(2, date(2025, 10, 11)),
        key="issues/2.txt",
        publish_at=PUBLISH_AT + timedelta(minutes=1),
    )
    await world.subscribe("C1")
    assert await world.publishing.publish_due() == [1, 2]
    await world.publishing.hand_over_on_publish()
    rows = await DeliveryLedgerRepository(world.db).rows()
    second = await world.issues.get(2)
    assert second is not None and {r.issue_id for r in rows} == {second.id}


async def test_a_stale_issue_is_published_but_not_pushed(world: World) -> None:
    await world.subscribe("C1")
    world.clock.advance(timedelta(days=4))  # the server was down for four days
    assert await world.publishing.publish_due() == [1]
    assert await world.publishing.hand_over_on_publish() is None


async def test_paused_subscriptions_and_unchosen_sections_get_nothing(world: World) -> None:
    paused = await world.subscribe("C1")
    await world.subscriptions.pause(paused.id, "testing")
    picky = await world.subscribe("C2", sections=["events"])  # the issue has none
    await world.publish_and_hand_over()
    ledger = DeliveryLedgerRepository(world.db)
    assert await ledger.rows(subscription_id=paused.id) == []
    (marker,) = await ledger.rows(subscription_id=picky.id)
    assert marker.state == "dead" and marker.error_code == "empty"
    assert "none of the chosen sections (events)" in (marker.last_error or "")


async def test_chosen_sections_shape_the_units(world: World) -> None:
    sub = await world.subscribe("C1", sections=["afterword", "topic"])
    await world.publish_and_hand_over()
    rows = await DeliveryLedgerRepository(world.db).rows(subscription_id=sub.id)
    assert [r.unit for r in rows] == ["parent", "topic", "afterword"]  # the issue's order


async def test_weekly_slot_hands_over_the_newest_unreceived_issue_only(world: World) -> None:
    slot = WeeklySlot.parse("mon 09:00", "Asia/Tokyo")
    sub = await world.subscriptions.add(
        platform="slack",
        workspace="T1",
        target="C9",
        cadence="weekly",
        slot=slot,
        starts_after=0,
    )
    await world.publishing.publish_due()
    assert await world.publish_and_hand_over() == 0  # weekly: not at publication
    monday = datetime(2025, 10, 6, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo, after issue 1
    world.clock.set(monday)
    first = await world.publishing.hand_over_weekly(sub.id)
    assert first is not None and first.number == 1 and first.rows == 5
    assert await world.publishing.hand_over_weekly(sub.id) is None  # already has it
    # Issue 2 comes out an hour after the slot: it waits for the next slot, even when the
    # slot's job runs late.
    after = monday + timedelta(hours=1)
    await world.store(issue(2, date(2025, 10, 6)), key="issues/2.txt", publish_at=after)
    world.clock.advance(timedelta(hours=1))
    await world.publishing.publish_due()
    assert await world.publishing.hand_over_weekly(sub.id) is None
    world.clock.advance(timedelta(days=7))
    second = await world.publishing.hand_over_weekly(sub.id)
    assert second is not None and second.number == 2
    await world.subscriptions.pause(sub.id, "holiday")
    assert await world.publishing.hand_over_weekly(sub.id) is None


async def test_a_weekly_slot_missed_is_caught_up_once_with_the_slots_issue(
    world: World,
) -> None:
    slot = WeeklySlot.parse("mon 09:00", "Asia/Tokyo")
    sub = await world.subscriptions.add(
        platform="slack", workspace="T1", target="C9", cadence="weekly", slot=slot, starts_after=0
    )
    late = await world.subscriptions.add(
        platform="slack", workspace="T1", target="C8", cadence="weekly", slot=slot, starts_after=0
    )
    await world.publishing.publish_due()
    assert await world.publishing.catch_up_weekly(timedelta(hours=12)) == []  # before a slot
    monday = datetime(2025, 10, 6, 0, 0, tzinfo=UTC)
    world.clock.set(monday - timedelta(minutes=1))
    await world.subscriptions.update(late.id, slot=WeeklySlot.parse("mon 09:00", "UTC"))
    # The slot's job never ran (the database was away). Issue 2 comes out after the slot.
    world.clock.set(monday + timedelta(hours=2))
    after = monday + timedelta(hours=1)
    await world.store(issue(2, date(2025, 10, 6)), key="issues/2.txt", publish_at=after)
    await world.publishing.publish_due()
    moved = await world.subscriptions.add(
        platform="slack", workspace="T1", target="C7", cadence="weekly", slot=slot, starts_after=0
    )  # made after the slot had passed: its first digest is at the next one
    caught = await world.publishing.catch_up_weekly(timedelta(hours=12))
    assert [(h.number, h.subscriptions) for h in caught] == [(1, 1)]  # the slot's issue
    assert await ledger_rows(world, moved.id) == []
    assert await world.publishing.catch_up_weekly(timedelta(hours=12)) == []  # once
    assert await world.publishing.hand_over_weekly(sub.id) is None  # a late job: nothing
    ledger = DeliveryLedgerRepository(world.db)
    assert {r.issue_id for r in await ledger.rows(subscription_id=sub.id)} == {1}
    assert await ledger.rows(subscription_id=late.id) == []  # its slot (09:00 UTC) is to come
    world.clock.set(monday + timedelta(hours=13))  # it came, and its job did not run either
    caught = await world.publishing.catch_up_weekly(timedelta(hours=12))
    assert [(h.number, h.subscriptions) for h in caught] == [(2, 1)]
    assert {r.issue_id for r in await ledger.rows(subscription_id=late.id)} == {2}
    assert {r.issue_id for r in await ledger.rows(subscription_id=sub.id)} == {1}
    world.clock.set(monday + timedelta(days=7, hours=13))  # a week on, beyond the grace
    assert await world.publishing.catch_up_weekly(timedelta(hours=12)) == []


async def test_line_batches_are_fixed_when_rows_are_made(world: World) -> None:
    everyone = await world.subscribe("all", workspace=None, platform="line")
    world.followers = [
        BatchPlan(("U1", "U2"), ()),
        BatchPlan(("U3",), ("topic",)),
    ]
    assert await world.publish_and_hand_over() == 2
    ledger = DeliveryLedgerRepository(world.db)
    rows = await ledger.rows(subscription_id=everyone.id)
    assert [(r.batch, r.unit) for r in rows] == [(1, "b1:digest"), (2, "b2:digest")]
    world.followers = [BatchPlan(("U9",), ())]  # followers changed afterwards
    assert await world.publish_and_hand_over() == 0
    assert await ledger.batch(rows[1].group) == BatchPlan(("U3",), ("topic",))


async def test_subscriptions_of_a_platform_that_is_off_wait(world: World) -> None:
    sub = await world.subscribe("C1")
    del world.fanout.publishers["slack"]
    handover = await world.publishing.hand_over_on_publish()
    await world.publishing.publish_due()
    handover = await world.publishing.hand_over_on_publish()
    assert handover is not None and handover.rows == 0
    assert "slack is off" in handover.skipped[0]
    world.fanout.publishers["slack"] = world.slack
    assert await world.publish_and_hand_over() == 5
    assert await DeliveryLedgerRepository(world.db).rows(subscription_id=sub.id)


async def ledger_rows(world: World, subscription_id: int) -> list[object]:
    return list(await DeliveryLedgerRepository(world.db).rows(subscription_id=subscription_id))
