"""Webhook bodies become haishin's own event types: the fields the handlers read, whatever
else LINE sends (events haishin doesn't handle, fields it doesn't know, groups and rooms)."""

from __future__ import annotations

import json

import pytest

from bots.line.events import (
    Event,
    FollowEvent,
    InvalidSignature,
    MessageEvent,
    PostbackEvent,
    WebhookParser,
)
from tests.fakes.line_webhook import LineWebhookBuilder, sign

SECRET = "events-secret"
USER = "U" + "2" * 32


def parsed(*events: dict[str, object]) -> list[Event]:
    webhook = LineWebhookBuilder(SECRET).request(*events)
    return WebhookParser(SECRET).parse(webhook.body, webhook.headers["x-line-signature"])


def test_the_events_haishin_answers_carry_what_it_reads() -> None:
    hooks = LineWebhookBuilder(SECRET)
    text, sticker, pressed, follow = parsed(
        hooks.text(USER, "最新", redelivery=True),
        hooks.sticker(USER),
        hooks.postback(USER, "cmd:ja:latest"),
        hooks.follow(USER, unblocked=True),
    )
    assert isinstance(text, MessageEvent) and text.text == "最新" and text.is_redelivery
    assert text.reply_token and text.webhook_event_id and text.mode == "active"
    assert text.source is not None and text.source.conversation == USER
    assert isinstance(sticker, MessageEvent) and sticker.message_type == "sticker"
    assert sticker.text is None
    assert isinstance(pressed, PostbackEvent) and pressed.data == "cmd:ja:latest"
    assert isinstance(follow, FollowEvent) and follow.is_unblocked


def test_other_events_and_unknown_fields_are_read_not_refused() -> None:
    join = {
        "type": "join",
        "mode": "active",
        "timestamp": 1,
        "source": {"type": "group", "groupId": "C" + "3" * 32},
        "webhookEventId": "01H",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "rt",
        "somethingNew": {"x": 1},
    }
    body = json.dumps({"destination": "U1", "events": [join]}).encode()
    [event] = WebhookParser(SECRET).parse(body, sign(body, SECRET))
    assert type(event) is Event and event.type == "join"
    assert event.source is not None and event.source.conversation == "C" + "3" * 32


def test_a_wrong_signature_is_refused_before_the_body_is_read() -> None:
    body = b"not even json"
    with pytest.raises(InvalidSignature):
        WebhookParser(SECRET).parse(body, sign(body, "another-secret"))
    with pytest.raises(InvalidSignature):
        WebhookParser(SECRET).parse(body, "é")  # not base64, not ASCII: still just wrong
