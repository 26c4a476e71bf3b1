"""A slow platform, with a clock the test moves: a post carried out after its client gave up.

The publisher here answers a send with a timeout but "lands" the post later, at a time the
test picks: before the send is settled (it must be found, never resent), or after the lookup
(the resend makes a second copy; the later one is deleted and counted).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from core.clock import FixedClock
from core.delivery import DeliveryObserver
from core.errors import TimedOut
from core.ports import SendJob, SentMessage, Settling
from core.storage.delivery_ledger import DeliveryLedgerRepository
from tests.core.delivery.conftest import RecordingPublisher, World
from tests.core.delivery.test_worker import claim_and_die

SETTLE = timedelta(seconds=60)
UNITS = ["parent", "topic", "articles", "shorts", "afterword"]


class SlowPlatform(RecordingPublisher):
    """Posts land when the clock reaches the time ``land_late`` set; copies can be deleted."""

    settling = Settling(SETTLE)

    def __init__(self, clock: FixedClock) -> None:
        super().__init__()
        self.clock = clock
        self.late: list[tuple[datetime, SendJob]] = []
        self.posts: list[tuple[str, SentMessage]] = []  # (delivery id, where), oldest first
        self.deleted: list[str] = []
        self.land_after: timedelta | None = None

    def land_late(self, after: timedelta) -> None:
        """The next send times out, and its post lands ``after`` it began."""
        self.land_after = after

    def _land(self) -> None:
        for at, job in list(self.late):
            if at <= self.clock.now():
                self.late.remove((at, job))
                self._post(job)

    def _post(self, job: SendJob) -> SentMessage:
        sent = self._record(job)
        self.posts.append((job.delivery_id, sent))
        return sent

    async def send(self, job: SendJob) -> SentMessage:
        self._land()
        if self.land_after is not None:
            self.late.append((self.clock.now() + self.land_after, job))
            self.land_after = None
            raise TimedOut("the Slack call timed out", platform="slack", code="timeout")
        return self._post(job)

    async def find_sent(self, job: SendJob) -> SentMessage | None:
        copies = await self.find_copies(job)
        self.lookups.append(job.delivery_id)
        return copies[0] if copies else None

    async def find_copies(self, job: SendJob) -> Sequence[SentMessage]:
        self._land()
        return [sent for key, sent in self.posts if key == job.delivery_id]

    async def remove(self, job: SendJob, sent: SentMessage) -> bool:
        self.posts = [(key, s) for key, s in self.posts if s != sent]
        self.deleted.append(sent.ref)
        return True

    def visible(self, channel: str) -> list[str]:
        """The units a reader of ``channel`` sees now."""
        self._land()
        units = {s.delivery_id: s.unit for s in self.sends}
        return [units[key] for key, sent in self.posts if sent.ref.startswith(channel + ":")]


class Counting(DeliveryObserver):
    def __init__(self) -> None:
        self.removed = 0

    def duplicate_removed(self, platform: str) -> None:
        self.removed += 1


async def slow_world(world: World) -> SlowPlatform:
    slow = SlowPlatform(world.clock)
    world.slack = slow
    world.fanout.publishers["slack"] = slow
    await world.subscribe("C1")
    await world.publish_and_hand_over()
    return slow


async def test_a_post_landing_before_the_settle_time_is_found_and_never_resent(
    world: World,
) -> None:
    slow = await slow_world(world)
    slow.land_late(timedelta(seconds=35))  # 20 s after a 15 s timeout
    worker = world.worker()
    await worker.register()
    await worker.drain()
    ledger = DeliveryLedgerRepository(world.db)
    parent, *rest = await ledger.rows()
    assert parent.state == "failed" and parent.next_attempt_at == world.clock.now() + SETTLE
    for _ in range(5):  # the whole settle time: nothing is looked up, resent, or sent after
        world.clock.advance(timedelta(seconds=11))
        await worker.drain()
        assert slow.lookups == [] and {r.state for r in rest} == {"pending"}
    world.clock.advance(timedelta(seconds=5))
    await worker.drain()
    assert slow.lookups == [parent.id]  # one look, after the bound, found it
    assert slow.visible("C1") == UNITS
    assert {r.state for r in await ledger.rows()} == {"sent"}
    assert slow.deleted == []


async def test_a_post_landing_after_the_lookup_is_deleted_and_counted(world: World) -> None:
    slow = await slow_world(world)
    slow.land_late(timedelta(seconds=90))  # later than any bound a platform keeps
    observer = Counting()
    worker = world.worker()
    worker.sender.observer = observer
    await worker.register()
    await worker.drain()
    world.clock.advance(SETTLE)
    await worker.drain()  # looked up (nothing), resent, looked at again: one copy
    assert slow.visible("C1") == UNITS
    world.clock.advance(timedelta(seconds=31))  # the first post lands now: two parents
    assert slow.visible("C1").count("parent") == 2
    assert await worker.duplicates.run() == 0  # not due: the resend's own bound first
    world.clock.advance(SETTLE)
    assert await worker.duplicates.run() == 1
    assert slow.visible("C1") == UNITS
    ledger = DeliveryLedgerRepository(world.db)
    parent = (await ledger.rows())[0]
    assert slow.deleted != [parent.sent_ref]  # the copy threads hang on stays
    assert parent.duplicates_removed == 1 and observer.removed == 1
    assert await worker.duplicates.run() == 0  # looked at once


async def test_a_copy_found_right_after_the_resend_keeps_the_earlier(world: World) -> None:
    slow = await slow_world(world)
    slow.land_late(timedelta(seconds=60.5))
    worker = world.worker()
    await worker.register()
    await worker.drain()
    world.clock.advance(SETTLE)

    original = slow.send

    async def send_slowly(job: SendJob) -> SentMessage:
        world.clock.advance(timedelta(seconds=1))  # the first post lands meanwhile
        slow._land()
        return await original(job)

    slow.send = send_slowly  # type: ignore[method-assign]
    await worker.drain()
    ledger = DeliveryLedgerRepository(world.db)
    parent = (await ledger.rows())[0]
    assert slow.visible("C1") == UNITS
    assert parent.duplicates_removed == 1
    first = next(sent for key, sent in slow.posts if key == parent.id)
    assert parent.sent_ref == first.ref
    assert {s.thread_ref for s in slow.sends if s.unit != "parent"} == {first.ref}


async def test_a_taken_over_send_waits_its_settle_time_before_the_lookup(world: World) -> None:
    slow = await slow_world(world)
    parent = await claim_and_die(world, "elsewhere:4242:x", "elsewhere", 4242)
    world.clock.advance(timedelta(seconds=31))
    survivor = world.worker(worker_timeout=timedelta(seconds=30))
    await survivor.register()
    await survivor.drain()
    assert slow.lookups == []  # that send may still be under way
    world.clock.advance(SETTLE)
    await survivor.heartbeats.heartbeat(survivor.id)
    await survivor.drain()
    assert slow.lookups == [parent]
    assert slow.visible("C1") == UNITS
