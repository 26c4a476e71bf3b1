"""SlackPublisher against the fake Slack API: threads, metadata, pacing, failures, reconciling."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bots.slack.publisher import EVENT_TYPE, PARENT, SlackPublisher
from bots.slack.render import SlackRenderer
from bots.slack.tokens import StaticToken
from core.errors import DeliveryError
from core.model import Issue
from core.ports import Audience, Digest, SendJob, SentMessage
from core.profile import Profile
from core.ratelimit import KeyedRateLimiter
from tests.fakes import slack_blockkit
from tests.fakes.clock import FakeTime
from tests.fakes.slack_api import FakeSlackAPI

CHANNEL = "C0DIGEST"


@pytest.fixture
async def publisher(
    slack_api: FakeSlackAPI, renderer: SlackRenderer, profile: Profile, fake_time: FakeTime
) -> AsyncIterator[SlackPublisher]:
    limiter = KeyedRateLimiter(rate=1.0, burst=1, now=fake_time, sleep=fake_time.sleep)
    publisher = SlackPublisher(
        renderer, profile, StaticToken(slack_api.token), base_url=slack_api.url, limiter=limiter
    )
    yield publisher
    await publisher.close()


def job(
    digest: Digest,
    unit: str,
    *,
    thread_ref: str | None = None,
    channel: str = CHANNEL,
    delivery_id: str | None = None,
) -> SendJob:
    return SendJob(
        delivery_id=delivery_id or f"d-{channel}-{unit}",
        audience=Audience(platform="slack", workspace="T0001", recipients=(channel,)),
        digest=digest,
        unit=unit,
        thread_ref=thread_ref,
    )


async def send_all(publisher: SlackPublisher, digest: Digest, channel: str = CHANNEL) -> None:
    units = publisher.plan(digest)
    parent = await publisher.send(job(digest, units[0], channel=channel))
    for unit in units[1:]:
        await publisher.send(job(digest, unit, thread_ref=parent.ref, channel=channel))


async def test_plan_is_the_parent_then_one_unit_per_post(
    publisher: SlackPublisher, sample_issue: Issue
) -> None:
    units = publisher.plan(Digest("週刊ビジネスレター", sample_issue, ()))
    assert units[0] == PARENT
    assert units[1:3] == ["topic/0/1", "topic/0/2"]
    assert [u.split("/")[0] for u in units[1:]] == [
        "topic",
        "topic",
        "articles",
        "shorts",
        "shorts",
        "afterword",
    ]
    chosen = publisher.plan(Digest("週刊ビジネスレター", sample_issue, ("afterword",)))
    assert chosen == [PARENT, "afterword/0/1"]


async def test_digest_is_one_parent_and_its_thread_within_limits(
    publisher: SlackPublisher, slack_api: FakeSlackAPI, sample_issue: Issue
) -> None:
    digest = Digest("週刊ビジネスレター", sample_issue, ())
    await send_all(publisher, digest)

    messages = slack_api.messages(CHANNEL)
    parent, replies = messages[0], messages[1:]
    assert parent.thread_ts is None
    assert len(replies) == len(publisher.plan(digest)) - 1
    assert all(reply.thread_ts == parent.ts for reply in replies)
    assert slack_api.violations == []
    for message in messages:
        assert message.blocks is not None
        assert slack_blockkit.problems(message.blocks, text=message.text) == []
        assert message.metadata is not None
        assert message.metadata["event_type"] == EVENT_TYPE
    header = parent.blocks[0] if parent.blocks else {}
    assert header["type"] == "header"
    assert "第1号" in header["text"]["text"]
    cover = " ".join(slack_blockkit.text_objects(parent.blocks or []))
    assert "CoreWeave" in cover and "編集後記" in cover
    first = " ".join(slack_blockkit.text_objects(replies[0].blocks or []))
    assert "*🚀 CoreWeave、Metaとの巨額契約で株価急騰*" in first
    ids = {m.metadata["event_payload"]["delivery_id"] for m in messages if m.metadata}
    assert len(ids) == len(messages)


async def test_sends_to_one_channel_are_paced_about_one_a_second(
    publisher: SlackPublisher, fake_time: FakeTime, sample_issue: Issue
) -> None:
    digest = Digest("週刊ビジネスレター", sample_issue, ())
    start = fake_time.now
    await send_all(publisher, digest)
    units = len(publisher.plan(digest))
    assert fake_time.now - start == pytest.approx(units - 1, abs=0.01)

    # Another channel is not held up by the first one.
    before = fake_time.now
    await publisher.send(job(digest, PARENT, channel="C0OTHER"))
    assert fake_time.now == before


async def test_the_channels_pace_can_be_awaited_without_taking_a_turn(
    publisher: SlackPublisher, fake_time: FakeTime, sample_issue: Issue
) -> None:
    digest = Digest("週刊ビジネスレター", sample_issue, ())
    parent = await publisher.send(job(digest, PARENT))
    audience = job(digest, PARENT).audience
    assert publisher.pace(audience) == pytest.approx(1.0, abs=0.01)
    other = Audience(platform="slack", workspace="T0001", recipients=("C0OTHER",))
    assert publisher.pace(other) == 0

    start = fake_time.now
    await publisher.wait_pace(audience)
    assert fake_time.now - start == pytest.approx(1.0, abs=0.01)
    second = publisher.plan(digest)[1]
    await publisher.send(job(digest, second, thread_ref=parent.ref))  # goes at once
    assert fake_time.now - start == pytest.approx(1.0, abs=0.01)


async def test_429_reports_retry_after_and_holds_the_channel_back(
    publisher: SlackPublisher, slack_api: FakeSlackAPI, sample_issue: Issue, fake_time: FakeTime
) -> None:
    digest = Digest("週刊ビジネスレター", sample_issue, ())
    slack_api.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(DeliveryError) as failure:
        await publisher.send(job(digest, PARENT))
    assert failure.value.retryable is True
    assert failure.value.retry_after == 7
    assert publisher.limiter.delay(f"T0001/{CHANNEL}") == pytest.approx(7, abs=0.01)

    sent = await publisher.send(job(digest, PARENT))  # waits out the 7 s (fake time), then posts
    assert fake_time.slept and sum(fake_time.slept) >= 7
    assert sent.ref.startswith(f"{CHANNEL}:")
    assert len(slack_api.messages(CHANNEL)) == 1


async def test_server_errors_are_retryable(
    publisher: SlackPublisher, slack_api: FakeSlackAPI, sample_issue: Issue
) -> None:
    digest = Digest("週刊ビジネスレター", sample_issue, ())
    slack_api.fail("chat.postMessage", status=500)
    with pytest.raises(DeliveryError) as failure:
        await publisher.send(job(digest, PARENT))
    assert failure.value.retryable is True
    assert slack_api.messages(CHANNEL) == []


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("channel_not_found", "does not exist"),
        ("is_archived", "archived"),
        ("not_in_channel", "invite @haishin to this channel"),
        ("token_revoked", "install the app again"),
        ("account_inactive", "install the app again"),
    ],
)
async def test_permanent_errors_are_not_retryable_and_say_what_to_do(
    publisher: SlackPublisher, slack_api: FakeSlackAPI, sample_issue: Issue, error: str, words: str
) -> None:
    digest = Digest("週刊ビジネスレター", sample_issue, ())
    slack_api.fail("chat.postMessage", error=error)
    with pytest.raises(DeliveryError) as failure:
        await publisher.send(job(digest, PARENT))
    assert failure.value.retryable is False
    assert failure.value.code == error
    assert failure.value.platform == "slack"
    assert words in failure.value.message


async def test_a_lost_answer_is_found_again_instead_of_posted_twice(
    publisher: SlackPublisher, slack_api: FakeSlackAPI, sample_issue: Issue
) -> None:
    digest = Digest("週刊ビジネスレター", sample_issue, ())
    parent_job = job(digest, PARENT)
    assert await publisher.find_sent(parent_job) is None

    slack_api.fail("chat.postMessage", status=500, applied=True)  # posted, answer lost
    with pytest.raises(DeliveryError):
        await publisher.send(parent_job)
    found = await publisher.find_sent(parent_job)
    assert found is not None
    assert found.ref == f"{CHANNEL}:{slack_api.messages(CHANNEL)[0].ts}"

    thread_job = job(digest, "topic/0/1", thread_ref=found.ref)
    assert await publisher.find_sent(thread_job) is None
    slack_api.fail("chat.postMessage", drop=True, applied=True)  # posted, connection dropped
    with pytest.raises(DeliveryError) as failure:
        await publisher.send(thread_job)
    assert failure.value.retryable is True
    in_thread = await publisher.find_sent(thread_job)
    assert in_thread is not None
    assert len(slack_api.messages(CHANNEL)) == 2
    calls = slack_api.calls("conversations.replies")
    assert calls and str(calls[-1].params["include_all_metadata"]) in ("1", "true", "True")


async def test_find_sent_looks_past_the_first_page_of_history(
    publisher: SlackPublisher, slack_api: FakeSlackAPI, sample_issue: Issue
) -> None:
    digest = Digest("週刊ビジネスレター", sample_issue, ())
    old = await publisher.send(job(digest, PARENT, delivery_id="the-old-one"))
    for index in range(250):
        await publisher.send(job(digest, PARENT, delivery_id=f"newer-{index}"))
    found = await publisher.find_sent(job(digest, PARENT, delivery_id="the-old-one"))
    assert found is not None and found.ref == old.ref
    assert len(slack_api.calls("conversations.history")) == 2


async def test_update_replaces_the_sent_message(
    publisher: SlackPublisher, slack_api: FakeSlackAPI, sample_issue: Issue
) -> None:
    digest = Digest("週刊ビジネスレター", sample_issue, ())
    sent = await publisher.send(job(digest, PARENT))
    corrected = Digest("週刊ビジネスレター", _retitled(sample_issue, "訂正版"), (), revision=2)
    await publisher.update(job(corrected, PARENT), sent)
    [message] = slack_api.messages(CHANNEL)
    assert message.edited
    assert message.blocks is not None
    assert message.blocks[0]["text"]["text"] == "訂正版"
    assert await publisher.find_sent(job(digest, PARENT)) == SentMessage(sent.ref, revision=2)


async def test_an_unknown_unit_is_a_permanent_error(
    publisher: SlackPublisher, sample_issue: Issue
) -> None:
    digest = Digest("週刊ビジネスレター", sample_issue, ())
    with pytest.raises(DeliveryError) as failure:
        await publisher.send(job(digest, "topic/9/1"))
    assert failure.value.retryable is False


def _retitled(issue: Issue, title: str) -> Issue:
    import dataclasses

    return dataclasses.replace(issue, title=title)
