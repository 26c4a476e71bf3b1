"""LinePublisher against the fake LINE API: endpoints by audience, retry keys, 409 as sent,
retryable and permanent failures, the quota check and per-endpoint pacing."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bots.line.client import LineClient
from bots.line.postback import decode
from bots.line.publisher import LinePublisher
from bots.line.render import LineRenderer
from core.errors import DeliveryError
from core.model import Issue
from core.ports import Audience, Digest, SendJob
from core.profile import Profile
from tests.bots.line.conftest import TOKEN
from tests.fakes.clock import FakeTime
from tests.fakes.line_api import FakeLineApi, users


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def client(line_api: FakeLineApi) -> AsyncIterator[LineClient]:
    line = LineClient(TOKEN, host=line_api.url)
    try:
        yield line
    finally:
        await line.close()


def publisher_for(
    client: LineClient, renderer: LineRenderer, fake_time: FakeTime, **options: Any
) -> LinePublisher:
    return LinePublisher(client, renderer, now=fake_time, sleep=fake_time.sleep, **options)


@pytest.fixture
def publisher(client: LineClient, renderer: LineRenderer, fake_time: FakeTime) -> LinePublisher:
    async def followers() -> int:
        return 3

    return publisher_for(client, renderer, fake_time, follower_count=followers)


@pytest.fixture
def digest(profile: Profile, sample_issue: Issue) -> Digest:
    return Digest(newsletter=profile.name, issue=sample_issue, sections=())


def job(digest: Digest, recipients: tuple[str, ...], delivery_id: str | None = None) -> SendJob:
    return SendJob(
        delivery_id=delivery_id or str(uuid.uuid4()),
        audience=Audience("line", None, recipients),
        digest=digest,
        unit="digest",
    )


def test_a_digest_is_one_carousel_unless_posts_are_asked_for(
    publisher: LinePublisher, client: LineClient, renderer: LineRenderer, digest: Digest
) -> None:
    assert publisher.plan(digest) == ["digest"]
    with_posts = LinePublisher(client, renderer, include_posts=True)
    assert with_posts.plan(digest) == ["digest", "posts-1", "posts-2"]
    pages = [with_posts.messages(digest, unit) for unit in ("posts-1", "posts-2")]
    assert [len(page) for page in pages] == [5, 1]
    assert pages[0][0]["text"].startswith("【トピック】 1/2\n🚀 CoreWeave")


async def test_everyone_gets_one_broadcast_with_the_retry_key(
    publisher: LinePublisher, line_api: FakeLineApi, digest: Digest
) -> None:
    send = job(digest, ("all",))
    sent = await publisher.send(send)

    [call] = line_api.calls("/v2/bot/message/broadcast")
    assert call.status == 200 and call.retry_key == send.delivery_id
    [delivery] = line_api.deliveries
    assert delivery.endpoint == "broadcast" and delivery.to == ("all",)
    [carousel] = delivery.messages
    assert carousel["type"] == "flex"
    assert "CoreWeave" in carousel["contents"]["contents"][0]["body"]["contents"][0]["text"]
    assert delivery.request_id in sent.ref
    sections = [decode(i["action"]["data"]) for i in carousel["quickReply"]["items"]]
    assert [s.command for s in sections if s] == [
        "issue 1 topic",
        "issue 1 articles",
        "issue 1 shorts",
        "issue 1 afterword",
    ]


async def test_a_group_gets_one_multicast_and_a_lone_follower_a_push(
    publisher: LinePublisher, line_api: FakeLineApi, digest: Digest
) -> None:
    group, lone = tuple(users(3)), ("U" + "9" * 32,)
    first, second = job(digest, group), job(digest, lone)
    await publisher.send(first)
    await publisher.send(second)

    multicast, push = line_api.deliveries
    assert (multicast.endpoint, multicast.to, multicast.retry_key) == (
        "multicast",
        group,
        first.delivery_id,
    )
    assert (push.endpoint, push.to, push.retry_key) == ("push", lone, second.delivery_id)


async def test_a_chosen_section_digest_shows_only_those_sections(
    publisher: LinePublisher, line_api: FakeLineApi, digest: Digest
) -> None:
    chosen = Digest(digest.newsletter, digest.issue, sections=("topic", "afterword"))
    await publisher.send(job(chosen, tuple(users(2))))
    [carousel] = line_api.deliveries[0].messages
    titles = [b["header"]["contents"][1]["text"] for b in carousel["contents"]["contents"]]
    assert titles == ["トピック", "編集後記"]


async def test_a_retry_after_an_accepted_send_gets_409_and_counts_as_sent(
    publisher: LinePublisher, line_api: FakeLineApi, digest: Digest
) -> None:
    # LINE took the request but the answer was lost in a 500: the retry must not resend.
    line_api.fail_next("/v2/bot/message/multicast", 500, accept=True)
    send = job(digest, tuple(users(2)))
    with pytest.raises(DeliveryError) as failed:
        await publisher.send(send)
    assert failed.value.retryable

    sent = await publisher.send(send)

    statuses = [c.status for c in line_api.calls("/v2/bot/message/multicast")]
    keys = {c.retry_key for c in line_api.calls("/v2/bot/message/multicast")}
    assert statuses == [500, 409] and keys == {send.delivery_id}
    assert len(line_api.deliveries) == 1
    assert line_api.deliveries[0].request_id in sent.ref


async def test_a_server_error_is_retryable_and_the_retry_delivers_once(
    publisher: LinePublisher, line_api: FakeLineApi, digest: Digest
) -> None:
    line_api.fail_next("/v2/bot/message/push", 503)
    send = job(digest, ("U" + "1" * 32,))
    with pytest.raises(DeliveryError) as failed:
        await publisher.send(send)
    assert failed.value.retryable and failed.value.code == "503"
    await publisher.send(send)
    assert len(line_api.deliveries) == 1


async def test_429_is_retryable_honours_retry_after_and_holds_the_endpoint_back(
    publisher: LinePublisher, line_api: FakeLineApi, digest: Digest, fake_time: FakeTime
) -> None:
    line_api.fail_next("/v2/bot/message/multicast", 429, retry_after=7)
    with pytest.raises(DeliveryError) as failed:
        await publisher.send(job(digest, tuple(users(2))))
    assert failed.value.retryable and failed.value.retry_after == 7
    await publisher.send(job(digest, tuple(users(2))))
    assert sum(fake_time.slept) == pytest.approx(7, abs=0.1)


async def test_other_client_errors_are_permanent(
    publisher: LinePublisher, line_api: FakeLineApi, digest: Digest
) -> None:
    line_api.fail_next("/v2/bot/message/push", 400, message="The property, 'to', is invalid")
    with pytest.raises(DeliveryError) as failed:
        await publisher.send(job(digest, ("U" + "1" * 32,)))
    assert not failed.value.retryable and failed.value.code == "400"
    assert "'to', is invalid" in failed.value.message


async def test_a_dropped_connection_is_retryable(
    renderer: LineRenderer, fake_time: FakeTime, digest: Digest
) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    client = LineClient(TOKEN, host=f"http://127.0.0.1:{port}", timeout=2)
    try:
        publisher = publisher_for(client, renderer, fake_time)
        with pytest.raises(DeliveryError) as failed:
            await publisher.send(job(digest, ("U" + "1" * 32,)))
    finally:
        await client.close()
    assert failed.value.retryable


@pytest.mark.parametrize(
    ("recipients", "problem"),
    [
        (tuple(users(501)), "501 recipients"),
        ((), "no recipients"),
    ],
)
async def test_audiences_it_cannot_take_are_refused_without_a_call(
    publisher: LinePublisher,
    line_api: FakeLineApi,
    digest: Digest,
    recipients: tuple[str, ...],
    problem: str,
) -> None:
    with pytest.raises(DeliveryError) as failed:
        await publisher.send(job(digest, recipients))
    assert not failed.value.retryable and problem in failed.value.message
    assert line_api.calls() == []


async def test_a_delivery_id_that_is_not_a_uuid_is_refused(
    publisher: LinePublisher, line_api: FakeLineApi, digest: Digest
) -> None:
    with pytest.raises(DeliveryError) as failed:
        await publisher.send(job(digest, ("all",), delivery_id="delivery-17"))
    assert failed.value.code == "bad_retry_key"
    assert line_api.calls() == []


async def test_a_send_over_the_months_remaining_quota_is_refused_before_sending(
    client: LineClient, renderer: LineRenderer, fake_time: FakeTime, digest: Digest
) -> None:
    line_api = FakeLineApi(token=TOKEN, quota=1000, usage=998).start()
    quota_client = LineClient(TOKEN, host=line_api.url)
    try:
        publisher = publisher_for(quota_client, renderer, fake_time)
        with pytest.raises(DeliveryError) as failed:
            await publisher.send(job(digest, tuple(users(3))))
        await publisher.send(job(digest, tuple(users(2))))  # exactly what is left
    finally:
        await quota_client.close()
        line_api.stop()
    error = failed.value
    assert not error.retryable and error.code == "quota_exceeded"
    assert "needs 3 messages but only 2 of 1,000 remain" in error.message
    assert [d.to for d in line_api.deliveries] == [tuple(users(2))]


async def test_a_broadcast_is_checked_against_the_number_of_followers(
    renderer: LineRenderer, fake_time: FakeTime, digest: Digest
) -> None:
    async def followers() -> int:
        return 5_000

    line_api = FakeLineApi(token=TOKEN, quota=30_000, usage=27_000).start()
    quota_client = LineClient(TOKEN, host=line_api.url)
    try:
        publisher = publisher_for(quota_client, renderer, fake_time, follower_count=followers)
        with pytest.raises(DeliveryError) as failed:
            await publisher.send(job(digest, ("all",)))
    finally:
        await quota_client.close()
        line_api.stop()
    assert "this broadcast needs 5,000 messages but only 3,000" in failed.value.message
    assert line_api.calls("/v2/bot/message/broadcast") == []


async def test_the_quota_is_read_once_and_then_counted_locally(
    publisher: LinePublisher, line_api: FakeLineApi, digest: Digest
) -> None:
    for _ in range(3):
        await publisher.send(job(digest, tuple(users(2))))
    assert len(line_api.calls("/v2/bot/message/quota")) == 1
    assert len(line_api.calls("/v2/bot/message/quota/consumption")) == 1


async def test_lines_own_monthly_limit_answer_is_permanent(
    publisher: LinePublisher, line_api: FakeLineApi, digest: Digest
) -> None:
    line_api.fail_next("/v2/bot/message/push", 429, message="You have reached your monthly limit.")
    with pytest.raises(DeliveryError) as failed:
        await publisher.send(job(digest, ("U" + "1" * 32,)))
    assert not failed.value.retryable and failed.value.code == "quota_exceeded"


async def test_multicasts_are_paced_under_200_a_second_and_broadcasts_60_an_hour(
    publisher: LinePublisher, digest: Digest, fake_time: FakeTime
) -> None:
    start = fake_time.now
    for _ in range(40):
        await publisher.send(job(digest, tuple(users(2))))
    # 10 at once (the burst), then 190 a second: 30 more take 30/190 s.
    assert fake_time.now - start == pytest.approx(30 / 190, rel=0.01)

    start = fake_time.now
    await publisher.send(job(digest, ("all",)))
    await publisher.send(job(digest, ("all",)))
    assert fake_time.now - start >= 60  # the second broadcast waits its turn


async def test_paced_sends_stay_within_the_fakes_enforced_limits(
    renderer: LineRenderer, digest: Digest
) -> None:
    line_api = FakeLineApi(token=TOKEN, enforce_rate_limits=True).start()
    client = LineClient(TOKEN, host=line_api.url)
    try:
        publisher = LinePublisher(client, renderer)  # real time, real pacing
        for _ in range(30):
            await publisher.send(job(digest, tuple(users(2))))
    finally:
        await client.close()
        line_api.stop()
    assert {c.status for c in line_api.calls("/v2/bot/message/multicast")} == {200}
