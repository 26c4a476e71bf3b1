"""Wiring: LINE on and off, the bounded queue under a burst, and the reviewer's walk-through
(a signed 最新トピック, follow and unfollow, a digest to every follower in one broadcast)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from pathlib import Path

import httpx
import pytest

from bots.bootstrap import Services, bootstrap
from bots.line.app import build_line
from bots.line.events import WebhookParser
from bots.line.handlers import Inbound
from bots.line.publisher import LinePublisher
from bots.line.queue import EventQueue
from bots.server import create_app
from core.clock import FixedClock
from core.ports import Audience, Digest, SendJob
from core.storage import LineFollowers, SubscriptionRepository
from tests.bots.line.conftest import NOW, SECRET, LineBot, line_settings
from tests.fakes.line_api import FakeLineApi, users
from tests.fakes.line_webhook import LineWebhookBuilder


async def test_line_is_off_without_its_secrets_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, seeded_database: Path
) -> None:
    settings = line_settings(tmp_path, "http://unused")
    settings = settings.model_copy(update={"line_channel_secret": None})
    services = await bootstrap(settings, clock=FixedClock(NOW), migrate=False)
    try:
        with caplog.at_level(logging.INFO, logger="haishin.line"):
            assert build_line(services) is None
    finally:
        await services.close()
    [record] = [r for r in caplog.records if r.name == "haishin.line"]
    assert "LINE_CHANNEL_SECRET" in record.message
    assert "LINE_CHANNEL_ACCESS_TOKEN" in record.message


async def test_a_burst_past_the_bound_still_gets_200_and_the_overflow_is_counted(
    services: Services, line_api: FakeLineApi
) -> None:
    platform = build_line(services, workers=1, capacity=3)
    assert platform is not None and platform.queue is not None
    app = create_app(services, platforms={"line": platform})
    hooks = LineWebhookBuilder(SECRET)
    events = [hooks.text(user, "編集後記") for user in users(10)]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        webhook = hooks.request(*events)
        response = await http.post("/line/webhook", content=webhook.body, headers=webhook.headers)
        await platform.queue.join()
        metrics = (await http.get("/metrics", headers={"host": "localhost"})).text

    assert response.status_code == 200
    assert len(line_api.replies()) == 3
    assert platform.queue.dropped == 7
    assert 'haishin_dropped_total{platform="line"} 7.0' in metrics


async def test_a_handler_that_fails_does_not_stop_the_workers() -> None:
    handled: list[int] = []

    async def handle(item: int) -> None:
        if item == 1:
            raise RuntimeError("boom")
        handled.append(item)

    queue: EventQueue[int] = EventQueue(handle, workers=2, capacity=10)
    await queue.start()
    for item in range(4):
        queue.offer(item, key=str(item))
    await queue.join()
    await queue.stop()
    assert sorted(handled) == [0, 2, 3] and queue.failed == 1


async def test_one_readers_events_are_handled_in_order() -> None:
    seen: list[str] = []

    async def handle(item: str) -> None:
        for _ in range(5 if item.endswith("1") else 0):
            await asyncio.sleep(0)  # give every other worker its chance to overtake
        seen.append(item)

    queue: EventQueue[str] = EventQueue(handle, workers=4, capacity=40)
    await queue.start()
    for n in range(1, 6):
        queue.offer(f"A{n}", key="reader-A")
    await queue.join()
    await queue.stop()
    assert seen == ["A1", "A2", "A3", "A4", "A5"]


async def test_walkthrough_ask_follow_unfollow_and_one_broadcast(bot: LineBot) -> None:
    # 1. A signed 最新トピック gets a reply that LINE's spec accepts, with the CoreWeave topic.
    await bot.send(bot.hooks.text(users(1)[0], "最新トピック"))
    [reply] = bot.api.replies()
    assert "CoreWeave、Metaとの巨額契約" in reply.messages[0]["text"]

    # 2. Three readers follow; one leaves again.
    for user in users(3):
        await bot.send(bot.hooks.follow(user))
    await bot.send(bot.hooks.unfollow(users(3)[2]))
    followers = LineFollowers(bot.services.db)
    assert [f.user_id for f in await followers.active()] == users(2)

    # 3. The sample issue goes to every follower in one broadcast request.
    publisher = bot.platform.publisher
    assert isinstance(publisher, LinePublisher) and bot.platform.followers is not None
    record = await bot.services.library.latest(bot.services.clock.now())
    assert record is not None
    issue = record.issue
    assert bot.platform.planner is not None
    every = await SubscriptionRepository(bot.services.db).find("line", "all")
    assert every is not None  # made at start-up, once
    choice = await bot.platform.planner(every, tuple(s.key for s in issue.sections))
    [batch] = choice.batches
    assert batch.recipients == ("all",)
    digest = Digest(newsletter=bot.services.profile.name, issue=issue, sections=batch.sections)
    audience = Audience("line", None, batch.recipients)
    for unit in publisher.plan(digest):
        await publisher.send(SendJob(str(uuid.uuid4()), audience, digest, unit))
    [broadcast] = bot.api.calls("/v2/bot/message/broadcast")
    assert broadcast.status == 200 and broadcast.retry_key is not None
    [carousel] = broadcast.json["messages"]
    assert carousel["altText"].startswith("週刊ビジネスレター 第1号")


async def test_an_event_that_waited_past_its_reply_tokens_minute_is_not_answered(
    bot: LineBot,
) -> None:
    assert bot.platform.handlers is not None
    webhook = bot.hooks.request(bot.hooks.text(users(1)[0], "最新トピック"))
    [event] = WebhookParser(SECRET).parse(webhook.body, webhook.headers["x-line-signature"])
    await bot.platform.handlers.handle(Inbound(event, received=time.monotonic() - 70))
    metrics = (await bot.http.get("/metrics", headers={"host": "localhost"})).text
    assert bot.api.calls() == []
    assert 'haishin_dropped_total{platform="line"} 1.0' in metrics


async def test_turning_line_on_subscribes_its_followers_once_and_respects_a_removal(
    services: Services, line_api: FakeLineApi
) -> None:
    """The welcome message promises each issue: the first start with LINE on makes it so."""
    subscriptions = SubscriptionRepository(services.db, clock=services.clock)
    assert await subscriptions.find("line", "all") is None

    async def start_and_stop() -> None:
        platform = build_line(services)
        assert platform is not None
        app = create_app(services, platforms={"line": platform})
        async with app.router.lifespan_context(app):
            pass

    await start_and_stop()
    created = await subscriptions.find("line", "all")
    assert created is not None and created.active and created.cadence == "on-publish"
    assert created.sections == ()  # every section, each follower's own choice applies

    assert await subscriptions.remove(created.id)
    await start_and_stop()  # a later start leaves the operator's removal alone
    assert await subscriptions.find("line", "all") is None
