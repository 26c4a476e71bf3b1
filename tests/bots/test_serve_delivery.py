"""The ledger driving the real publishers against the fake Slack and LINE APIs: 429 with
Retry-After, 500s, timeouts and dropped connections, permanent refusals, LINE batches with
retry keys, and corrections. The ledger's clock and the publishers' pacing are faked; only
the HTTP calls are real (on loopback)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bots.line.client import LineClient
from bots.line.delivery import build_line_delivery
from bots.line.followers import LineAudienceBook
from bots.line.render import LineRenderer
from bots.slack.publisher import SlackPublisher
from bots.slack.render import SlackRenderer
from bots.slack.tokens import StaticToken
from core.clock import FixedClock
from core.delivery import DeliveryStores, DeliveryWorker, Fanout, Publishing, RetryPolicy
from core.ingest import ingest_paths
from core.profile import Profile
from core.ratelimit import KeyedRateLimiter
from core.storage import Subscription, SubscriptionRepository
from core.storage.database import Database
from core.storage.delivery_ledger import DeliveryLedgerRepository
from tests.conftest import CONTENT, SAMPLE
from tests.fakes.clock import FakeTime
from tests.fakes.line_api import FakeLineApi, users
from tests.fakes.slack_api import FakeSlackAPI

# Five minutes after the sample issue went out (2025-10-04 07:00 Tokyo).
NOW = datetime(2025, 10, 3, 22, 5, tzinfo=UTC)
LINE_TOKEN = "test-channel-token"
UNITS = 7  # the sample issue on Slack: a parent and six posts


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def line() -> Iterator[FakeLineApi]:
    with FakeLineApi(token=LINE_TOKEN) as fake:
        yield fake


@dataclass
class Harness:
    db: Database
    clock: FixedClock
    slack: FakeSlackAPI
    line: FakeLineApi
    publishing: Publishing
    worker: DeliveryWorker
    subscriptions: SubscriptionRepository
    followers: LineAudienceBook
    pace: FakeTime

    async def subscribe(self, address: str, **extra: object) -> Subscription:
        platform, _, rest = address.partition(":")
        workspace, _, target = rest.rpartition("/")
        return await self.subscriptions.add(
            platform=platform,
            workspace=workspace or None,
            target=target,
            starts_after=0,
            **extra,  # type: ignore[arg-type]
        )

    async def hand_over(self) -> int:
        await self.publishing.publish_due()
        handover = await self.publishing.hand_over_on_publish()
        return handover.rows if handover else 0

    async def run(self) -> None:
        await self.worker.drain()

    async def states(self) -> list[str]:
        return [r.state for r in await DeliveryLedgerRepository(self.db).rows()]

    def posted(self, channel: str) -> int:
        return len(self.slack.messages(channel))


@pytest.fixture
async def harness(
    database: Database, slack: FakeSlackAPI, line: FakeLineApi, profile: Profile
) -> AsyncIterator[Harness]:
    clock = FixedClock(NOW)
    report = await ingest_paths(
        [SAMPLE], profile=profile, db=database, content_dir=CONTENT, clock=clock
    )
    assert report.ok
    pace = FakeTime()
    slack_publisher = SlackPublisher(
        SlackRenderer(profile),
        profile,
        StaticToken(slack.token),
        base_url=slack.url,
        limiter=KeyedRateLimiter(1.0, 1, now=pace, sleep=pace.sleep),
        timeout=2,
    )
    client = LineClient(LINE_TOKEN, host=line.url, timeout=2)
    line_delivery = build_line_delivery(
        client, LineRenderer(profile), database, clock=clock, now=pace, sleep=pace.sleep
    )
    book = line_delivery.book
    fanout = Fanout(
        profile.name,
        {"slack": slack_publisher, "line": line_delivery.publisher},
        {"line": line_delivery.planner.plan},
        {"line": line_delivery.planner.review},
    )
    worker = DeliveryWorker(
        DeliveryStores.over(database, clock=clock),
        fanout,
        clock=clock,
        policy=RetryPolicy(rng=random.Random(3)),
    )
    await worker.register()
    try:
        yield Harness(
            database,
            clock,
            slack,
            line,
            Publishing(database, fanout, clock=clock),
            worker,
            SubscriptionRepository(database, clock=clock),
            book,
            pace,
        )
    finally:
        await slack_publisher.close()
        await line_delivery.close()
        await client.close()


def later(h: Harness, seconds: float) -> None:
    h.clock.advance(timedelta(seconds=seconds))


async def test_a_digest_reaches_each_channel_once_as_a_thread(harness: Harness) -> None:
    for channel in ("C1", "C2"):
        await harness.subscribe(f"slack:T0001/{channel}")
    assert await harness.hand_over() == 2 * UNITS
    await harness.run()
    for channel in ("C1", "C2"):
        messages = harness.slack.messages(channel)
        assert len(messages) == UNITS
        parent = messages[0]
        assert parent.thread_ts is None
        assert {m.thread_ts for m in messages[1:]} == {parent.ts}
    assert harness.slack.stats()["duplicates"] == 0
    assert harness.slack.violations == []
    assert set(await harness.states()) == {"sent"}


async def test_429_waits_its_retry_after(harness: Harness) -> None:
    await harness.subscribe("slack:T0001/C1")
    await harness.hand_over()
    harness.slack.fail("chat.postMessage", status=429, retry_after=20)
    await harness.run()
    parent = (await DeliveryLedgerRepository(harness.db).rows())[0]
    assert parent.state == "failed" and parent.next_attempt_at is not None
    assert parent.next_attempt_at >= NOW + timedelta(seconds=20)
    later(harness, 10)
    await harness.run()
    assert harness.posted("C1") == 0
    later(harness, 15)
    await harness.run()
    assert harness.posted("C1") == UNITS
    # A 429 means nothing was posted: no look at the history before the retry.
    assert harness.slack.calls("conversations.history") == []


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "applied": True},  # posted, then the answer was an error
        {"drop": True, "applied": True},  # posted, then the connection dropped
        {"delay": 3.0, "applied": True},  # posted, answered after the client gave up
        {"status": 500},  # not posted
        {"drop": True},  # not posted
    ],
    ids=["500-posted", "dropped-posted", "timeout-posted", "500", "dropped"],
)
async def test_in_doubt_sends_are_looked_up_never_doubled(
    harness: Harness, failure: dict[str, object]
) -> None:
    await harness.subscribe("slack:T0001/C1")
    await harness.hand_over()
    harness.slack.fail("chat.postMessage", times=1, **failure)  # type: ignore[arg-type]
    await harness.run()
    assert (await harness.states())[0] == "failed"
    deadline = time.monotonic() + 20
    while failure.get("applied") and harness.posted("C1") < 1:  # lands within the settle time
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    later(harness, 60)
    await harness.run()
    assert harness.posted("C1") == UNITS
    assert harness.slack.stats()["duplicates"] == 0
    # Found: one look. Resent after an answered 500: one. Resent after no answer (the
    # dropped connection): one more look after the resend, for a copy landing late.
    looks = 1 if failure.get("applied") or "status" in failure else 2
    assert len(harness.slack.calls("conversations.history")) == looks
    assert set(await harness.states()) == {"sent"}


async def test_a_server_error_costs_its_channel_no_pacing_slot(harness: Harness) -> None:
    await harness.subscribe("slack:T0001/C1")
    await harness.hand_over()
    harness.slack.fail("chat.postMessage", status=500, times=1)
    started = harness.pace.now
    await harness.run()
    later(harness, 1)
    await harness.run()
    assert harness.posted("C1") == UNITS
    # One post a second after the first: six waits, none for the refused call.
    assert harness.pace.now - started == pytest.approx(UNITS - 1, abs=0.01)


async def test_a_failure_in_the_thread_resumes_in_the_same_thread(harness: Harness) -> None:
    await harness.subscribe("slack:T0001/C1")
    await harness.hand_over()
    await harness.run()  # everything goes; now a second subscriber fails midway
    await harness.subscribe("slack:T0001/C2")
    await harness.publishing.hand_over_on_publish()
    harness.slack.fail("chat.postMessage", channel="C2", status=500, applied=True, times=1)
    harness.slack.fail("chat.postMessage", channel="C2", status=503, times=2)
    for _ in range(4):
        await harness.run()
        later(harness, 120)
    messages = harness.slack.messages("C2")
    assert len(messages) == UNITS
    assert {m.thread_ts for m in messages[1:]} == {messages[0].ts}


async def test_an_archived_channel_pauses_its_subscription_only(harness: Harness) -> None:
    archived = await harness.subscribe("slack:T0001/C1")
    await harness.subscribe("slack:T0001/C2")
    await harness.hand_over()
    harness.slack.fail("chat.postMessage", channel="C1", error="is_archived", times=None)
    await harness.run()
    paused = await harness.subscriptions.get(archived.id)
    assert paused is not None and not paused.active
    assert "archived" in (paused.paused_reason or "")
    assert harness.posted("C2") == UNITS
    assert len(harness.slack.calls("chat.postMessage")) == UNITS + 1  # one try, no retries


async def test_a_correction_updates_the_thread_in_place(
    harness: Harness, profile: Profile, tmp_path: object
) -> None:
    await harness.subscribe("slack:T0001/C1")
    await harness.hand_over()
    await harness.run()
    from pathlib import Path

    fixed = Path(str(tmp_path)) / "issues" / SAMPLE.name
    fixed.parent.mkdir(parents=True)
    fixed.write_text(SAMPLE.read_text(encoding="utf-8").replace("11.7%高", "11.8%高"), "utf-8")
    # Stored under the same key as the sample: the same issue, revision 2.
    report = await ingest_paths(
        [fixed],
        profile=profile,
        db=harness.db,
        content_dir=fixed.parent.parent,
        clock=harness.clock,
    )
    assert [o.status for o in report.outcomes] == ["revised"]
    assert await harness.worker.correct() == UNITS
    await harness.run()
    messages = harness.slack.messages("C1")
    assert len(messages) == UNITS  # nothing posted again
    assert len(harness.slack.calls("chat.update")) == UNITS
    assert any("11.8%" in m.text or "11.8%" in str(m.blocks) for m in messages)
    assert not any("11.7%" in str(m.blocks) for m in messages)


async def line_followers(h: Harness, count: int, *, chosen: dict[str, list[str]]) -> list[str]:
    """``count`` known followers, who are all the account's friends (LINE counts them)."""
    ids = users(count)
    h.line.friend_list.ids = list(ids)
    h.line.follower_counts["20251003"] = {"status": "ready", "followers": count, "blocks": 0}
    await h.followers.add_known(ids)  # one write: the worker's heartbeat keeps its pace
    for user, sections in chosen.items():
        await h.followers.update(user, sections=sections)
    return ids


async def test_every_line_follower_gets_one_digest_in_the_fewest_requests(
    harness: Harness,
) -> None:
    ids = await line_followers(
        harness,
        1203,
        chosen={**{u: ["topic"] for u in users(1203)[:501]}, users(1203)[600]: ["afterword"]},
    )
    await harness.subscribe("line:all")
    await harness.hand_over()
    await harness.run()
    sends = [d for d in harness.line.deliveries if d.endpoint != "reply"]
    by_endpoint = sorted((d.endpoint, len(d.to)) for d in sends)
    # default choice: 701 followers -> 500 + 201; topic: 501 -> 500 + 1 (push); afterword: push
    assert by_endpoint == [
        ("multicast", 201),
        ("multicast", 500),
        ("multicast", 500),
        ("push", 1),
        ("push", 1),
    ]
    reached = [u for d in sends for u in d.to]
    assert sorted(reached) == sorted(ids) and len(reached) == len(set(reached))
    keys = {d.retry_key for d in sends}
    rows = await DeliveryLedgerRepository(harness.db).rows()
    assert keys == {r.id for r in rows}  # the retry key is the ledger row's id


async def test_all_default_followers_get_one_broadcast(harness: Harness) -> None:
    await line_followers(harness, 40, chosen={})
    await harness.subscribe("line:all")
    await harness.hand_over()
    await harness.run()
    (only,) = [d for d in harness.line.deliveries if d.endpoint != "reply"]
    assert only.endpoint == "broadcast"


async def test_a_line_send_lost_after_acceptance_is_retried_with_its_key(
    harness: Harness,
) -> None:
    await line_followers(harness, 3, chosen={users(3)[0]: ["topic"]})
    await harness.subscribe("line:all")
    await harness.hand_over()
    harness.line.fail_next("/v2/bot/message/multicast", 500, accept=True)
    harness.line.fail_next("/v2/bot/message/push", 429, retry_after=30)
    await harness.run()
    assert sorted(await harness.states()) == ["failed", "failed"]
    later(harness, 34)  # Retry-After 30 s, plus up to a tenth of it as jitter
    await harness.run()
    assert set(await harness.states()) == {"sent"}
    accepted = [d for d in harness.line.deliveries if d.endpoint != "reply"]
    assert sorted(d.endpoint for d in accepted) == ["multicast", "push"]  # once each
    statuses = [c.status for c in harness.line.calls("/v2/bot/message/multicast")]
    assert statuses == [500, 409]  # the retry with the same key: "already accepted"


async def test_batches_stay_the_same_when_followers_change_before_a_retry(
    harness: Harness,
) -> None:
    ids = await line_followers(harness, 5, chosen={})
    await harness.followers.set_active(ids[0], False)  # opted out: no broadcast
    await harness.subscribe("line:all")
    await harness.hand_over()
    harness.line.fail_next("/v2/bot/message/multicast", 500)
    await harness.run()
    for user in users(8)[5:]:
        await harness.followers.add(user)  # three more follow before the retry
    later(harness, 60)
    await harness.run()
    (sent,) = [d for d in harness.line.deliveries if d.endpoint == "multicast"]
    assert sorted(sent.to) == sorted(ids[1:])
