"""The worker: order within a group, retries with backoff, looking before resending, pausing."""

from __future__ import annotations

import asyncio
import socket
import sys
from datetime import timedelta

from core.delivery.control import resume
from core.delivery.stores import DeliveryStores
from core.errors import DeliveryError
from core.ports import Audience, SendJob
from core.storage import HeartbeatRepository
from core.storage.claims import ClaimRepository
from core.storage.delivery_ledger import DeliveryLedgerRepository
from tests.core.delivery.conftest import World, eventually, slack_error


async def states(world: World) -> list[str]:
    return [r.state for r in await DeliveryLedgerRepository(world.db).rows()]


async def test_units_go_in_order_each_once_threaded_on_the_first(world: World) -> None:
    for channel in ("C1", "C2", "C3"):
        await world.subscribe(channel)
    await world.publish_and_hand_over()
    worker = world.worker()
    await worker.register()
    await worker.drain()
    for channel in ("C1", "C2", "C3"):
        assert world.slack.units_to(channel) == [
            "parent",
            "topic",
            "articles",
            "shorts",
            "afterword",
        ]
        sends = [s for s in world.slack.sends if channel in s.recipients]
        parent_ref = world.slack.by_id[sends[0].delivery_id].ref
        assert sends[0].thread_ref is None
        assert {s.thread_ref for s in sends[1:]} == {parent_ref}
    assert world.slack.duplicates() == []
    assert set(await states(world)) == {"sent"}
    rows = await DeliveryLedgerRepository(world.db).rows()
    assert all(r.sent_ref for r in rows) and all(r.claimed_by is None for r in rows)


async def test_a_429_waits_for_its_retry_after_and_is_not_looked_up(world: World) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    world.slack.fail(slack_error("ratelimited", retry_after=30))
    worker = world.worker()
    await worker.register()
    await worker.drain()
    (parent, *rest) = await DeliveryLedgerRepository(world.db).rows()
    assert parent.state == "failed" and parent.error_code == "ratelimited"
    assert parent.next_attempt_at is not None
    assert parent.next_attempt_at - world.clock.now() >= timedelta(seconds=30)
    assert {r.state for r in rest} == {"pending"}  # held behind their parent
    world.clock.advance(timedelta(seconds=29))
    await worker.drain()
    assert world.slack.sends == []
    world.clock.advance(timedelta(seconds=5))
    await worker.drain()
    assert world.slack.units_to("C1")[0] == "parent"
    assert world.slack.lookups == []  # a 429 surely sent nothing
    assert set(await states(world)) == {"sent"}


async def test_a_send_whose_answer_was_lost_is_found_not_sent_again(world: World) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    world.slack.fail(slack_error("internal_error"), applied=True)
    worker = world.worker()
    await worker.register()
    await worker.drain()
    world.clock.advance(timedelta(minutes=1))
    await worker.drain()
    assert len(world.slack.lookups) == 1
    assert world.slack.units_to("C1") == ["parent", "topic", "articles", "shorts", "afterword"]
    assert world.slack.duplicates() == []


async def test_backoff_grows_and_a_row_is_given_up_after_its_attempts(world: World) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    world.slack.fail(slack_error("internal_error"), times=100)
    worker = world.worker()
    await worker.register()
    waits = []
    for _ in range(worker.policy.max_attempts):
        await worker.drain()
        parent = (await DeliveryLedgerRepository(world.db).rows())[0]
        if parent.state == "dead":
            break
        assert parent.next_attempt_at is not None
        waits.append((parent.next_attempt_at - world.clock.now()).total_seconds())
        world.clock.set(parent.next_attempt_at)
    assert parent.state == "dead"
    assert "gave up after 20 attempts" in (parent.last_error or "")
    assert waits[0] <= 0.5 and waits[3] > waits[0] * 3  # doubling, with jitter
    assert max(waits) <= 1800 * 1.0001
    assert world.slack.sends == []


async def test_a_permanent_refusal_pauses_the_subscription_and_resume_goes_on(
    world: World,
) -> None:
    sub = await world.subscribe("C1")
    other = await world.subscribe("C2")
    await world.publish_and_hand_over()
    world.slack.fail(
        DeliveryError(
            "channel C1 is archived", platform="slack", retryable=False, code="is_archived"
        ),
        recipient="C1",
    )
    worker = world.worker()
    await worker.register()
    await worker.drain()
    paused = await world.subscriptions.get(sub.id)
    assert paused is not None and not paused.active
    assert paused.paused_reason == "channel C1 is archived [is_archived]"
    rows = await DeliveryLedgerRepository(world.db).rows(subscription_id=sub.id)
    assert [r.state for r in rows] == ["dead", "pending", "pending", "pending", "pending"]
    assert len(world.slack.units_to("C2")) == 5  # the other channel is not held up
    _, revived = await resume(world.db, sub.id, clock=world.clock)
    assert revived == 1
    await worker.drain()
    assert len(world.slack.units_to("C1")) == 5
    assert (await world.subscriptions.get(other.id)).active  # type: ignore[union-attr]


async def test_a_refused_first_message_ends_its_group(world: World) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    world.slack.fail(slack_error("invalid_blocks"))
    worker = world.worker()
    await worker.register()
    await worker.drain()
    rows = await DeliveryLedgerRepository(world.db).rows()
    assert [r.state for r in rows] == ["dead"] * 5
    assert rows[1].error_code == "no_parent"
    assert (await world.subscriptions.list())[0].active  # the audience is fine


async def test_a_refused_later_message_is_skipped_and_the_rest_go(world: World) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    worker = world.worker()
    await worker.register()
    sent = 0
    original = world.slack.send

    async def send(job):
        nonlocal sent
        sent += 1
        if sent == 3:
            raise slack_error("msg_blocks_too_long")
        return await original(job)

    world.slack.send = send  # type: ignore[method-assign]
    await worker.drain()
    assert world.slack.units_to("C1") == ["parent", "topic", "shorts", "afterword"]
    assert [r.state for r in await DeliveryLedgerRepository(world.db).rows()] == [
        "sent",
        "sent",
        "dead",
        "sent",
        "sent",
    ]


def claims(world: World) -> ClaimRepository:
    """The claims another process makes, on the world's database."""
    return DeliveryStores.over(world.db, clock=world.clock).claims


async def claim_and_die(world: World, worker_id: str, host: str, pid: int) -> str:
    """Another process claims the parent, sends it, and is killed before recording it."""
    heartbeats = HeartbeatRepository(world.db, clock=world.clock)
    await heartbeats.register(worker_id, host=host, pid=pid)
    (parent,) = await claims(world).claim_heads(worker_id, 10)
    subscription = (await world.subscriptions.list())[0]
    stored = await world.issues.get(1)
    assert stored is not None
    job = SendJob(
        parent.id,
        world.fanout.audience(subscription, None),
        world.fanout.digest(stored, ()),
        "parent",
    )
    await world.slack.send(job)
    return parent.id


async def test_a_dead_hosts_sends_are_taken_over_and_looked_up_first(world: World) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    parent = await claim_and_die(world, "elsewhere:4242:x", "elsewhere", 4242)
    survivor = world.worker(worker_timeout=timedelta(seconds=30))
    await survivor.register()
    await survivor.drain()
    assert len(world.slack.sends) == 1  # not yet: that worker may still be alive
    world.clock.advance(timedelta(seconds=31))
    await survivor.heartbeats.heartbeat(survivor.id)
    await survivor.drain()
    assert world.slack.lookups == [parent]
    assert world.slack.units_to("C1") == ["parent", "topic", "articles", "shorts", "afterword"]
    assert world.slack.duplicates() == []


async def test_a_killed_process_on_this_host_is_taken_over_at_once(world: World) -> None:
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await child.wait()
    pid = child.pid  # a process that has exited
    host = socket.gethostname()
    parent = await claim_and_die(world, f"{host}:{pid}:x", host, pid)
    survivor = world.worker()
    await survivor.register()  # sees that process is gone
    await survivor.drain()
    assert world.slack.lookups == [parent]
    assert len(world.slack.units_to("C1")) == 5
    assert world.slack.duplicates() == []


async def test_two_workers_draining_together_send_each_unit_once(world: World) -> None:
    for n in range(12):
        await world.subscribe(f"C{n}", workspace=f"T{n % 3}")
    await world.publish_and_hand_over()
    first, second = world.worker(), world.worker()
    await first.register()
    await second.register()
    await asyncio.gather(first.drain(), second.drain())
    assert len(world.slack.sends) == 60
    assert world.slack.duplicates() == []


async def test_a_stuck_workspace_does_not_hold_up_the_others(world: World) -> None:
    for n in range(4):
        await world.subscribe(f"C{n}", workspace="TSLOW")
    for n in range(4):
        await world.subscribe(f"D{n}", workspace="TFAST")
    await world.publish_and_hand_over()
    release = asyncio.Event()
    original = world.slack.send

    async def send(job):
        if job.audience.workspace == "TSLOW":
            await release.wait()
        return await original(job)

    world.slack.send = send  # type: ignore[method-assign]
    worker = world.worker(lane_limit=2, poll=0.01)
    await worker.start()
    try:
        await eventually(
            lambda: (
                sum(1 for s in world.slack.sends if s.recipients[0].startswith("D")) == 20
                and worker.busy == 2
            )
        )
        # Every fast channel is done while the slow workspace holds only its lane's share.
        assert dict(worker._running.lanes) == {"slack:TSLOW": 2}
    finally:
        release.set()
        await eventually(lambda: len(world.slack.sends) == 40)
        await worker.stop(grace=5)
    assert world.slack.duplicates() == []


async def test_resume_sends_what_the_pause_stopped_not_what_was_refused_for_itself(
    world: World,
) -> None:
    sub = await world.subscribe("C1")
    await world.publish_and_hand_over()
    world.slack.fail(slack_error("msg_blocks_too_long"))  # parent refused
    worker = world.worker()
    await worker.register()
    await worker.drain()
    await world.subscriptions.pause(sub.id, "by hand")
    _, revived = await resume(world.db, sub.id, clock=world.clock)
    assert revived == 0  # a message Slack refuses stays refused
    await worker.drain()
    assert world.slack.sends == []


async def test_a_unit_waiting_for_its_channels_pace_is_unsent_not_in_doubt_after_a_crash(
    world: World,
) -> None:
    """While a channel's pace holds the next unit back, the unit is only reserved: nobody else
    takes it, and if its worker dies then, the next one sends it without a look first."""
    paced = asyncio.Event()  # the worker is waiting for the channel
    world.slack.pace = lambda audience: 5.0  # type: ignore[method-assign]

    async def wait_pace(audience: object, *, ahead: float = 0.0) -> None:
        paced.set()
        await asyncio.Event().wait()  # the channel's pace outlives the worker

    world.slack.wait_pace = wait_pace  # type: ignore[method-assign]
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    first = world.worker()
    await first.register()
    draining = asyncio.create_task(first.drain())
    await asyncio.wait_for(paced.wait(), timeout=30)

    rows = await DeliveryLedgerRepository(world.db).rows()
    assert [(r.unit, r.state, r.claimed_by) for r in rows[:2]] == [
        ("parent", "sent", None),
        ("topic", "pending", first.id),
    ]
    other = world.worker()
    await other.register()
    assert await claims(world).claim_heads(other.id, 10) == []

    draining.cancel()  # the first worker dies while it waits
    await asyncio.gather(draining, return_exceptions=True)
    await first.sender.writer.close()
    await HeartbeatRepository(world.db, clock=world.clock).unregister(first.id)
    world.slack.pace = lambda audience: 0.0  # type: ignore[method-assign]
    await other.drain()
    assert world.slack.lookups == []
    assert world.slack.units_to("C1") == ["parent", "topic", "articles", "shorts", "afterword"]
    assert world.slack.duplicates() == []


async def test_a_paced_group_is_reserved_then_taken_unit_by_unit(world: World) -> None:
    waits: list[tuple[str, ...]] = []
    world.slack.pace = lambda audience: 2.0  # type: ignore[method-assign]

    async def wait_pace(audience: Audience, *, ahead: float = 0.0) -> None:
        waits.append(audience.recipients)

    world.slack.wait_pace = wait_pace  # type: ignore[method-assign]
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    worker = world.worker()
    await worker.register()
    await worker.drain()
    assert waits == [("C1",)] * 4  # before each unit after the first
    assert world.slack.units_to("C1") == ["parent", "topic", "articles", "shorts", "afterword"]
    rows = await DeliveryLedgerRepository(world.db).rows()
    assert {(r.state, r.attempts, r.claimed_by) for r in rows} == {("sent", 1, None)}
