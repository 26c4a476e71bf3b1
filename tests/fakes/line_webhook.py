"""Signed LINE webhook requests, shaped after LINE's ``webhook.yml`` and checked against it.

``LineWebhookBuilder`` makes event objects the way LINE sends them (``destination``,
``webhookEventId`` ULID-like ids, ``deliveryContext``, reply tokens), validates each body
against the ``CallbackRequest`` schema, and signs it with the channel secret exactly as LINE
does: base64(HMAC-SHA256(secret, raw body)) in ``x-line-signature``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes.line_openapi import check_schema

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def sign(body: bytes, secret: str) -> str:
    """The ``x-line-signature`` of a body."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class SignedWebhook:
    """A webhook request ready to post: body bytes and headers."""

    body: bytes
    headers: dict[str, str]
    events: list[dict[str, Any]]


class LineWebhookBuilder:
    """Builds LINE webhook events and signed requests.

    Args:
        secret: the channel secret to sign with.
        destination: the bot's user id.
        validate: check every body against ``webhook.yml``.
    """

    def __init__(
        self,
        secret: str,
        *,
        destination: str = "U" + "f" * 32,
        validate: bool = True,
    ) -> None:
        self.secret = secret
        self.destination = destination
        self.validate = validate
        self._serial = itertools.count(1)

    def _id(self) -> str:
        serial = next(self._serial)
        stamp = int(time.time() * 1000)
        chars = []
        for value in (stamp, serial):
            for _ in range(13):
                chars.append(_ALPHABET[value % 32])
                value //= 32
        return "".join(reversed(chars))[:26]

    def _base(
        self, kind: str, user: str, *, redelivery: bool, mode: str, reply: bool
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "type": kind,
            "mode": mode,
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": user},
            "webhookEventId": self._id(),
            "deliveryContext": {"isRedelivery": redelivery},
        }
        if reply and mode == "active":
            event["replyToken"] = f"rt-{self._id().lower()}"
        return event

    def text(
        self, user: str, text: str, *, redelivery: bool = False, mode: str = "active"
    ) -> dict[str, Any]:
        """A text message event."""
        event = self._base("message", user, redelivery=redelivery, mode=mode, reply=True)
        event["message"] = {
            "type": "text",
            "id": str(next(self._serial) + 10**17),
            "quoteToken": f"q{next(self._serial)}",
            "text": text,
        }
        return event

    def sticker(self, user: str) -> dict[str, Any]:
        """A sticker message event (not text)."""
        event = self._base("message", user, redelivery=False, mode="active", reply=True)
        event["message"] = {
            "type": "sticker",
            "id": str(next(self._serial) + 10**17),
            "quoteToken": "q",
            "packageId": "446",
            "stickerId": "1988",
            "stickerResourceType": "STATIC",
        }
        return event

    def postback(self, user: str, data: str, *, redelivery: bool = False) -> dict[str, Any]:
        """A postback event (a button was pressed)."""
        event = self._base("postback", user, redelivery=redelivery, mode="active", reply=True)
        event["postback"] = {"data": data}
        return event

    def follow(self, user: str, *, unblocked: bool = False) -> dict[str, Any]:
        """A follow event (a new friend, or one who unblocked)."""
        event = self._base("follow", user, redelivery=False, mode="active", reply=True)
        event["follow"] = {"isUnblocked": unblocked}
        return event

    def unfollow(self, user: str) -> dict[str, Any]:
        """An unfollow (block) event: no reply token."""
        return self._base("unfollow", user, redelivery=False, mode="active", reply=False)

    def redelivered(self, event: dict[str, Any]) -> dict[str, Any]:
        """The same event as LINE redelivers it (same id, ``isRedelivery`` true)."""
        return {**event, "deliveryContext": {"isRedelivery": True}}

    def request(self, *events: dict[str, Any], secret: str | None = None) -> SignedWebhook:
        """A signed webhook request carrying ``events`` (none: LINE's connectivity check)."""
        document = {"destination": self.destination, "events": list(events)}
        if self.validate:
            check_schema("webhook.yml", "CallbackRequest", document)
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        headers = {
            "content-type": "application/json; charset=utf-8",
            "x-line-signature": sign(body, secret or self.secret),
        }
        return SignedWebhook(body=body, headers=headers, events=list(events))
