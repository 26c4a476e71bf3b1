"""The LINE webhook through the real ASGI app: signatures, the queue, follow and unfollow."""

from __future__ import annotations

import json

from sqlalchemy import func, select, text

from bots.dedupe import EventDeduplicator
from core.storage import LineFollowers
from core.storage.models import ProcessedEventRow
from tests.bots.line.conftest import LineBot
from tests.fakes.line_webhook import sign

USER = "U" + "1" * 32


async def processed_events(bot: LineBot) -> int:
    async with bot.services.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedEventRow)) or 0)


async def test_a_bad_signature_gets_400_and_nothing_happens(bot: LineBot) -> None:
    webhook = bot.hooks.request(bot.hooks.text(USER, "最新トピック"), secret="someone-else")
    response = await bot.post(webhook)
    await bot.drain()
    assert response.status_code == 400
    assert bot.api.calls() == []
    assert await processed_events(bot) == 0


async def test_a_missing_signature_or_a_tampered_body_gets_400(bot: LineBot) -> None:
    webhook = bot.hooks.request(bot.hooks.text(USER, "help"))
    unsigned = await bot.http.post("/line/webhook", content=webhook.body)
    tampered = await bot.http.post(
        "/line/webhook", content=webhook.body.replace(b"help", b"hel p"), headers=webhook.headers
    )
    await bot.drain()
    assert (unsigned.status_code, tampered.status_code) == (400, 400)
    assert bot.api.calls() == []


async def test_a_signed_body_that_is_not_json_gets_400(bot: LineBot) -> None:
    body = b"not json"
    response = await bot.http.post(
        "/line/webhook", content=body, headers={"x-line-signature": sign(body, bot.hooks.secret)}
    )
    assert response.status_code == 400


async def test_the_connectivity_check_with_no_events_gets_200(bot: LineBot) -> None:
    response = await bot.send()
    assert response.status_code == 200
    assert bot.api.calls() == []


async def test_follow_records_the_follower_and_welcomes_them(bot: LineBot) -> None:
    bot.api.profiles[USER] = {"userId": USER, "displayName": "読者", "language": "ja"}
    follow = bot.hooks.follow(USER)
    response = await bot.send(follow)

    assert response.status_code == 200
    follower = await LineFollowers(bot.services.db).get(USER)
    assert follower is not None and follower.language == "ja" and follower.sections == ()
    [reply] = bot.api.replies()
    assert reply.to == (follow["replyToken"],)
    welcome, carousel = reply.messages
    assert "友だち追加ありがとうございます" in welcome["text"]
    assert carousel["type"] == "flex" and carousel["contents"]["type"] == "carousel"
    labels = [item["action"]["label"] for item in carousel["quickReply"]["items"]]
    assert {"トピック", "気になった記事", "小ネタ", "編集後記"} <= set(labels)


async def test_an_english_follower_is_welcomed_in_english(bot: LineBot) -> None:
    bot.api.profiles[USER] = {"userId": USER, "displayName": "Reader", "language": "en"}
    await bot.send(bot.hooks.follow(USER))
    [reply] = bot.api.replies()
    assert reply.messages[0]["text"].startswith("Thanks for adding")


async def test_follow_works_without_a_profile(bot: LineBot) -> None:
    await bot.send(bot.hooks.follow(USER, unblocked=True))
    follower = await LineFollowers(bot.services.db).get(USER)
    assert follower is not None and follower.language is None
    [reply] = bot.api.replies()
    assert "おかえりなさい" in reply.messages[0]["text"]


async def test_unfollow_forgets_the_follower_and_their_choices(bot: LineBot) -> None:
    await bot.send(bot.hooks.follow(USER))
    await bot.send(bot.hooks.text(USER, "購読 トピック"))
    await bot.send(bot.hooks.unfollow(USER))
    followers = LineFollowers(bot.services.db)
    assert await followers.get(USER) is None
    assert await followers.active() == []
    assert len(bot.api.replies()) == 2  # the unfollow has no reply token: nothing sent


async def test_a_redelivered_event_is_handled_once(bot: LineBot) -> None:
    event = bot.hooks.text(USER, "最新トピック")
    await bot.send(event)
    await bot.send(bot.hooks.redelivered(event))
    assert len(bot.api.replies()) == 1
    assert len(bot.api.calls("/v2/bot/message/reply")) == 1


async def test_a_redelivery_of_what_another_process_answered_is_skipped(bot: LineBot) -> None:
    event = bot.hooks.text(USER, "最新トピック")
    await bot.send(event)
    assert bot.platform.handlers is not None
    await bot.platform.handlers.dedupe.flush()
    # A second process (its own memory, the same database) gets LINE's redelivery.
    other = EventDeduplicator(bot.services.db, bot.services.clock, platform="line")
    assert not await other.first_time(event["webhookEventId"], redelivery=True)
    assert await other.first_time(bot.hooks.text(USER, "x")["webhookEventId"], redelivery=True)
    assert await processed_events(bot) == 2


async def test_handled_events_are_recorded_in_batches(bot: LineBot) -> None:
    await bot.send(*(bot.hooks.text(f"U{n:032x}", "help") for n in range(1, 6)))
    assert bot.platform.handlers is not None
    await bot.platform.handlers.dedupe.flush()
    assert await processed_events(bot) == 5


async def test_standby_events_are_left_to_the_active_channel(bot: LineBot) -> None:
    response = await bot.send(bot.hooks.text(USER, "最新トピック", mode="standby"))
    assert response.status_code == 200
    assert bot.api.calls() == []


async def test_several_events_in_one_webhook_each_get_their_answer(bot: LineBot) -> None:
    users = [f"U{index:032x}" for index in range(1, 6)]
    events = [bot.hooks.text(user, "編集後記") for user in users]
    await bot.send(*events)
    tokens = {reply.to[0] for reply in bot.api.replies()}
    assert tokens == {event["replyToken"] for event in events}


async def test_a_sticker_gets_a_hint_to_send_text(bot: LineBot) -> None:
    await bot.send(bot.hooks.sticker(USER))
    [reply] = bot.api.replies()
    assert "テキストで送ってください" in reply.messages[0]["text"]


async def test_the_webhook_answers_before_the_work_is_done(bot: LineBot) -> None:
    # Nothing runs the workers until the response is out: the reply arrives after the 200.
    assert bot.platform.queue is not None
    response = await bot.post(bot.hooks.request(bot.hooks.text(USER, "最新トピック")))
    assert response.status_code == 200 and response.text == "OK"
    await bot.drain()
    assert len(bot.api.replies()) == 1


async def test_healthz_reports_line_on(bot: LineBot) -> None:
    # The details are for this machine (the console's rule); the fixture's host is public.
    body = json.loads((await bot.http.get("/healthz", headers={"host": "localhost"})).text)
    assert body["platforms"]["line"]["on"] is True
    assert body["platforms"]["line"]["webhook"] == "/line/webhook"
    assert body["platforms"]["line"]["queued"] == 0 and body["platforms"]["line"]["dropped"] == 0


async def test_when_storage_fails_the_reader_still_gets_an_apology(bot: LineBot) -> None:
    async with bot.services.db.transaction() as session:
        await session.execute(text("ALTER TABLE issues RENAME TO issues_elsewhere"))
    await bot.send(bot.hooks.text(USER, "最新トピック"))
    [reply] = bot.api.replies()
    assert "もう一度送ってください" in reply.messages[0]["text"]
