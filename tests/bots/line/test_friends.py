"""``line:all`` reaches every friend of the account (issue 17), on SQLite and PostgreSQL.

The real delivery worker, ledger, planner and publisher against the fake LINE API, which
keeps the account's friends and serves followers/ids, audience groups, narrowcast and its
progress as LINE's OpenAPI specs describe them (every request validated against them).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from linebot.v3 import audience as audience_sdk

from bots.line.audience_groups import AudienceGroups
from bots.line.client import LineClient
from bots.line.delivery import LineDelivery, build_line_delivery
from bots.line.friends import FollowersRefused, FollowerSyncJob, sync_followers
from bots.line.reach import EXCEPT
from bots.line.render import LineRenderer
from core.clock import FixedClock
from core.delivery import DeliveryStores, DeliveryWorker, Fanout, Publishing, RetryPolicy
from core.errors import DeliveryError
from core.ingest import ingest_paths
from core.ports import Audience, SendJob
from core.profile import Profile
from core.storage import HeartbeatRepository, LineFollowers, Subscription, SubscriptionRepository
from core.storage.database import Database
from core.storage.delivery_ledger import DeliveryLedgerRepository
from core.storage.line_audiences import LineAudienceGroups
from tests.bots.test_serve_delivery import NOW
from tests.conftest import CONTENT, SAMPLE
from tests.fakes.clock import FakeTime
from tests.fakes.line_api import FakeLineApi, users

TOKEN = "test-channel-token"
YESTERDAY = "20251003"  # LINE's day (UTC+9) before NOW


@pytest.fixture
def line() -> Iterator[FakeLineApi]:
    with FakeLineApi(token=TOKEN) as fake:
        yield fake


@dataclass
class Account:
    """A LINE account with friends, haishin's delivery over it, and the fake behind."""

    db: Database
    clock: FixedClock
    line: FakeLineApi
    parts: LineDelivery
    fanout: Fanout
    publishing: Publishing
    worker: DeliveryWorker
    subscriptions: SubscriptionRepository

    def friends(self, ids: list[str]) -> None:
        """The account's friends, as LINE knows and counts them."""
        self.line.friend_list.ids = list(ids)
        self.line.follower_counts[YESTERDAY] = {
            "status": "ready",
            "followers": len(ids),
            "blocks": 0,
        }

    async def every_friend(self) -> Subscription:
        return await self.subscriptions.add(platform="line", target="all", starts_after=0)

    async def hand_over(self) -> tuple[str, ...]:
        await self.publishing.publish_due()
        handover = await self.publishing.hand_over_on_publish()
        return handover.skipped if handover else ()

    def sends(self) -> list[tuple[str, int]]:
        return sorted((d.endpoint, len(d.to)) for d in self.line.deliveries)

    def carousel_size(self, user_id: str) -> int:
        (message,) = self.line.messages_for(user_id)
        return len(message["contents"]["contents"])


@pytest.fixture
async def account(
    database: Database, line: FakeLineApi, profile: Profile
) -> AsyncIterator[Account]:
    clock = FixedClock(NOW)
    report = await ingest_paths(
        [SAMPLE], profile=profile, db=database, content_dir=CONTENT, clock=clock
    )
    assert report.ok
    pace = FakeTime()
    client = LineClient(TOKEN, host=line.url, timeout=5)
    parts = build_line_delivery(
        client, LineRenderer(profile), database, clock=clock, now=pace, sleep=pace.sleep
    )
    fanout = Fanout(
        profile.name,
        {"line": parts.publisher},
        {"line": parts.planner.plan},
        {"line": parts.planner.review},
    )
    worker = DeliveryWorker(
        DeliveryStores.over(database, clock=clock),
        fanout,
        clock=clock,
        policy=RetryPolicy(rng=random.Random(3)),
    )
    await worker.register()
    try:
        yield Account(
            database,
            clock,
            line,
            parts,
            fanout,
            Publishing(database, fanout, clock=clock),
            worker,
            SubscriptionRepository(database, clock=clock),
        )
    finally:
        await parts.close()
        await client.close()


async def know(
    account: Account, ids: list[str], *, chosen: dict[str, list[str]], off: list[str]
) -> None:
    for user in ids:
        await account.parts.book.add(user)
        if user in chosen:
            await account.parts.book.update(user, sections=chosen[user])
    for user in off:
        await account.parts.book.set_active(user, False)


async def test_friends_nobody_has_seen_get_one_broadcast(account: Account) -> None:
    friends = users(300)
    account.friends(friends)
    await account.every_friend()
    assert await account.hand_over() == ()
    await account.worker.drain()
    assert account.sends() == [("broadcast", 1)]
    assert {account.line.digests_for(u) for u in friends} == {1}
    assert account.line.usage == 300  # LINE counts every friend a broadcast reaches
    (row,) = await DeliveryLedgerRepository(account.db).rows()
    assert row.state == "sent" and (row.sent_ref or "").startswith("line:broadcast:")


async def test_readers_with_their_own_choices_are_left_out_of_a_narrowcast(
    account: Account,
) -> None:
    friends = users(200)
    known = friends[:80]
    chose = known[:10]
    off = known[10:15]
    account.friends(friends)
    await know(account, known, chosen={u: ["topic"] for u in chose}, off=off)
    subscription = await account.every_friend()

    stored = await account.publishing.issues.get(1)
    assert stored is not None
    plan = await account.fanout.plan(subscription, stored)
    assert plan.summary.startswith("narrowcast to every friend but an audience of 50")
    assert "35 default readers added" in plan.summary
    assert "195 message(s)" in plan.summary  # 150 by narrowcast + 35 padded + 10 own

    assert await account.hand_over() == ()
    await account.worker.drain()
    # 200 friends - audience of 50 (15 exceptions + 35 padded) = 150 by narrowcast;
    # the 35 padded by multicast; the 10 who chose "topic" by one multicast of their own.
    assert account.sends() == [("multicast", 10), ("multicast", 35), ("narrowcast", 150)]
    for user in friends:
        assert account.line.digests_for(user) == (0 if user in off else 1), user
    whole = account.carousel_size(friends[199])
    assert account.carousel_size(chose[0]) == 1 < whole  # their own choice: the topic
    (audience,) = account.line.friend_list.audiences.values()
    assert audience.members == set(chose) | set(off) | set(known[15:50])
    (narrowcast,) = [c for c in account.line.calls("/v2/bot/message/narrowcast")]
    assert narrowcast.json["recipient"] == {
        "type": "operator",
        "not": {"type": "audience", "audienceGroupId": audience.audience_group_id},
    }
    rows = await DeliveryLedgerRepository(account.db).rows()
    assert {r.state for r in rows} == {"sent"}
    assert narrowcast.retry_key in {r.id for r in rows}
    looks = account.line.calls("/v2/bot/message/progress/narrowcast")
    assert [c.status for c in looks] == [200, 200, 200]  # waiting, sending, succeeded
    sent = next(r for r in rows if (r.sent_ref or "").startswith("line:narrowcast:"))
    stored_nc = await LineAudienceGroups(account.db).narrowcast(sent.id)
    assert stored_nc is not None and stored_nc.phase == "succeeded"


async def test_a_crash_between_the_narrowcast_and_its_ledger_write_sends_once(
    account: Account,
) -> None:
    friends = users(120)
    account.friends(friends)
    await know(account, friends[:60], chosen={u: ["topic"] for u in friends[:5]}, off=[])
    await account.every_friend()
    await account.hand_over()
    store = account.parts.audiences.store
    phase = store.phase

    async def die(delivery_id: str, value: str) -> None:
        raise asyncio.CancelledError  # the process stops right after LINE accepted it

    store.phase = die  # type: ignore[method-assign,assignment]
    await asyncio.gather(account.worker.drain(), return_exceptions=True)
    store.phase = phase  # type: ignore[method-assign]
    assert len(account.line.calls("/v2/bot/message/narrowcast")) == 1
    states = {r.unit: r.state for r in await DeliveryLedgerRepository(account.db).rows()}
    assert "sending" in states.values()  # the narrowcast's row: in doubt

    await account.worker.sender.writer.close()
    await HeartbeatRepository(account.db, clock=account.clock).unregister(account.worker.id)
    after = DeliveryWorker(
        DeliveryStores.over(account.db, clock=account.clock),
        account.fanout,
        clock=account.clock,
        policy=RetryPolicy(rng=random.Random(4)),
    )
    await after.register()
    await after.drain()
    assert len(account.line.calls("/v2/bot/message/narrowcast")) == 1  # looked up, not resent
    assert {r.state for r in await DeliveryLedgerRepository(account.db).rows()} == {"sent"}
    assert {account.line.digests_for(u) for u in friends} == {1}


async def test_a_narrowcast_whose_answer_was_lost_is_resent_with_its_key(
    account: Account,
) -> None:
    friends = users(120)
    account.friends(friends)
    await know(account, friends[:60], chosen={u: ["topic"] for u in friends[:5]}, off=[])
    await account.every_friend()
    await account.hand_over()
    account.line.fail_next("/v2/bot/message/narrowcast", 500, accept=True)
    await account.worker.drain()
    account.clock.advance(timedelta(minutes=5))
    await account.worker.drain()
    statuses = [c.status for c in account.line.calls("/v2/bot/message/narrowcast")]
    assert statuses == [500, 409]  # the same key: "already accepted", then followed
    assert {r.state for r in await DeliveryLedgerRepository(account.db).rows()} == {"sent"}
    assert {account.line.digests_for(u) for u in friends} == {1}


async def test_a_plan_the_months_quota_cant_pay_is_refused_with_the_numbers(
    account: Account,
) -> None:
    account.line.quota = 500
    account.friends(users(800))
    await account.every_friend()
    (skipped,) = await account.hand_over()
    assert "needs about 800 messages but only 500 of 500 remain" in skipped
    assert account.line.deliveries == []
    assert await DeliveryLedgerRepository(account.db).rows() == []


async def test_an_audience_is_reused_while_its_members_are_the_same_then_deleted(
    account: Account,
) -> None:
    groups = account.parts.audiences
    members = users(60)
    first = await groups.ensure(members)
    again = await groups.ensure(list(reversed(members)))
    assert again == first
    assert len(account.line.calls("/v2/bot/audienceGroup/upload", "POST")) == 1
    other = await groups.ensure(members[:55])
    assert other != first
    assert await groups.prune(keep=other) == [first]
    assert account.line.friend_list.deleted == [first]
    assert await groups.prune(keep=None) == [other]
    assert account.line.friend_list.audiences == {}


async def test_followers_sync_records_friends_and_keeps_choices(account: Account) -> None:
    friends = users(2500)
    account.friends(friends)
    book = account.parts.book
    await book.add(friends[0])
    await book.update(friends[0], sections=["topic"])
    await book.add(friends[1])
    await book.set_active(friends[1], False)  # opted out: the sync doesn't undo it
    report = await sync_followers(account.parts.publisher.client, LineFollowers(account.db))
    assert (report.listed, report.added, report.pages) == (2500, 2498, 3)
    kept = await book.get(friends[0])
    assert kept is not None and kept.sections == ("topic",)
    assert await book.count() == 2499
    assert await book.opted_out_ids() == [friends[1]]


async def test_followers_sync_on_an_account_line_refuses_says_why(account: Account) -> None:
    account.line.friend_list.ids_allowed = False
    with pytest.raises(FollowersRefused, match="Only verified and premium"):
        await sync_followers(account.parts.publisher.client, LineFollowers(account.db))
    job = FollowerSyncJob(account.parts.publisher.client, account.db, clock=account.clock)
    assert await job.run_once() is None  # logged; tried again tomorrow
    assert await job.run_once() is None  # today's was claimed: not asked again
    assert len(account.line.calls("/v2/bot/followers/ids")) == 2


async def test_a_narrowcast_leaving_out_fewer_than_50_fails_as_line_says(
    account: Account,
) -> None:
    account.friends(users(100))
    stored = await account.publishing.issues.get(1)
    assert stored is not None
    digest = account.fanout.digest(stored, ())
    audience = Audience("line", None, (EXCEPT, *users(3)))
    job = SendJob(str(uuid.uuid4()), audience, digest, "digest")
    with pytest.raises(DeliveryError, match="fewer than 50") as refused:
        await account.parts.publisher.send(job)
    assert not refused.value.retryable and refused.value.code == "narrowcast_4"
    assert account.line.deliveries == []  # LINE sent it to nobody


async def test_the_fake_checks_audience_requests_against_the_spec(account: Account) -> None:
    api = account.parts.audiences.api
    too_long = "x" * 121  # the audience's name: at most 120 characters
    with pytest.raises(Exception, match="400"):
        await api.create_audience_group(
            audience_sdk.CreateAudienceGroupRequest.construct(
                description=too_long, audiences=[audience_sdk.Audience(id=users(1)[0])]
            )
        )
    assert account.line.friend_list.audiences == {}


async def test_two_processes_uploading_the_same_audience_keep_one(account: Account) -> None:
    members = users(70)
    first = await account.parts.audiences.ensure(members)
    other = AudienceGroups(account.parts.publisher.client, account.db)

    async def not_yet(members: str) -> None:
        return None  # the other process looked before the first one's row was written

    other.store.find = not_yet  # type: ignore[assignment,method-assign]
    try:
        second = await other.ensure(members)
    finally:
        await other.close()
    assert second == first
    assert len(account.line.calls("/v2/bot/audienceGroup/upload", "POST")) == 2
    assert list(account.line.friend_list.audiences) == [first]  # its own upload deleted
