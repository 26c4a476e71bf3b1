"""LINE webhook bodies: the signature check, and the events haishin acts on as small dataclasses.

``WebhookParser`` checks ``x-line-signature`` (base64 of HMAC-SHA256 of the raw body with the
channel secret) with ``hmac.compare_digest``, the standard library's constant-time compare,
so the time taken says nothing about how much of a forged signature was right; then it reads
the JSON. Each event becomes a ``MessageEvent``, ``PostbackEvent``, ``FollowEvent`` or
``UnfollowEvent`` with only the fields the handlers use, and any other type (join, unsend,
beacon...) a plain ``Event`` that is acknowledged and left alone. These replace the LINE SDK's
``WebhookParser`` and its pydantic event models (``linebot.v3.webhooks``), whose import cost
``serve`` half a second and ~9 MB for the handful of fields read here (issue 18).

A body that is not a webhook (not an object with an ``events`` list of objects, each with a
``type``) raises ``ValueError``, ``TypeError`` or ``KeyError``; a known event missing a field
gets its default (no reply token, no text), as LINE adds fields over time and drops none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any


class InvalidSignature(Exception):
    """``x-line-signature`` is not the channel's signature of the body."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where an event comes from: a user, or a group or room (with the user when known)."""

    type: str
    user_id: str | None = None
    group_id: str | None = None
    room_id: str | None = None

    @property
    def conversation(self) -> str:
        """The id a conversation is known by: the user, else the group or room."""
        return self.user_id or self.group_id or self.room_id or ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Any webhook event; ``type`` says which (``join``, ``unsend``... are only this)."""

    type: str
    mode: str = "active"  # "standby": another channel answers (module channels)
    webhook_event_id: str | None = None
    is_redelivery: bool = False
    source: Source | None = None
    reply_token: str | None = None
    timestamp: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEvent(Event):
    """A message; ``text`` is set for text messages only (a sticker or image has none)."""

    message_type: str = ""
    text: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PostbackEvent(Event):
    """A postback button was pressed; ``data`` is what the button carried."""

    data: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowEvent(Event):
    """Someone became a friend, or unblocked the account (``is_unblocked``)."""

    is_unblocked: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class UnfollowEvent(Event):
    """Someone blocked the account."""


class WebhookParser:
    """Checks a webhook's signature and reads its events.

    Args:
        channel_secret: the channel secret (LINE_CHANNEL_SECRET).
    """

    def __init__(self, channel_secret: str) -> None:
        self._secret = channel_secret.encode("utf-8")

    def valid(self, body: bytes, signature: str) -> bool:
        """Whether ``signature`` is the channel's signature of ``body``."""
        digest = hmac.new(self._secret, body, hashlib.sha256).digest()
        return hmac.compare_digest(signature.encode("utf-8"), base64.b64encode(digest))

    def parse(self, body: bytes, signature: str) -> list[Event]:
        """The events of a signed body (the raw bytes, as they were signed).

        Raises:
            InvalidSignature: the signature doesn't match.
            ValueError, TypeError, KeyError, RecursionError: signed, but not a webhook body.
        """
        if not self.valid(body, signature):
            raise InvalidSignature("invalid signature")
        return parse_events(json.loads(body))


def parse_events(document: Any) -> list[Event]:
    """The events of a webhook body's JSON."""
    if not isinstance(document, dict):
        raise TypeError(f"a webhook body is an object, not {type(document).__name__}")
    events = document["events"]
    if not isinstance(events, list):
        raise TypeError(f"'events' is a list, not {type(events).__name__}")
    return [event_of(item) for item in events]


def event_of(item: Any) -> Event:
    """One event object as its dataclass."""
    if not isinstance(item, dict):
        raise TypeError(f"an event is an object, not {type(item).__name__}")
    kind = item["type"]
    if not isinstance(kind, str):
        raise TypeError("an event's type is a string")
    context = _object(item.get("deliveryContext"))
    common: dict[str, Any] = {
        "type": kind,
        "mode": _text(item.get("mode")) or "active",
        "webhook_event_id": _text(item.get("webhookEventId")),
        "is_redelivery": context.get("isRedelivery") is True,
        "source": _source(item.get("source")),
        "reply_token": _text(item.get("replyToken")),
        "timestamp": item.get("timestamp") if isinstance(item.get("timestamp"), int) else None,
    }
    if kind == "message":
        message = _object(item.get("message"))
        message_type = _text(message.get("type")) or ""
        text = _text(message.get("text")) if message_type == "text" else None
        return MessageEvent(**common, message_type=message_type, text=text)
    if kind == "postback":
        data = _text(_object(item.get("postback")).get("data")) or ""
        return PostbackEvent(**common, data=data)
    if kind == "follow":
        unblocked = _object(item.get("follow")).get("isUnblocked") is True
        return FollowEvent(**common, is_unblocked=unblocked)
    if kind == "unfollow":
        return UnfollowEvent(**common)
    return Event(**common)


def _source(value: Any) -> Source | None:
    if not isinstance(value, dict):
        return None
    return Source(
        type=_text(value.get("type")) or "",
        user_id=_text(value.get("userId")),
        group_id=_text(value.get("groupId")),
        room_id=_text(value.get("roomId")),
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
