"""Slack's side of the conversation: signed requests as Slack sends them to ``/slack/events``.

Bodies are signed for real with ``SignatureVerifier.generate_signature``, so they pass (or,
with a wrong secret or an old timestamp, fail) Bolt's request verification exactly as Slack's
would.

Example::

    slack = SlackInbound("test-secret")
    request = slack.command("latest topic", response_url=fake.response_url("r1"))
    await client.post("/slack/events", content=request.body, headers=request.headers)
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


@dataclass(frozen=True)
class SignedRequest:
    """A body and the headers Slack would send with it."""

    body: bytes
    headers: dict[str, str]


class SlackInbound:
    """Builds signed slash commands, events and interactions.

    Args:
        signing_secret: the app's signing secret (what the server verifies against).
        team_id: the workspace the requests come from.
        user_id: the person acting.
        now: the clock used for ``X-Slack-Request-Timestamp``.
    """

    def __init__(
        self,
        signing_secret: str,
        *,
        team_id: str = "T0001",
        user_id: str = "U0001",
        api_app_id: str = "A0HAISHIN",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.team_id = team_id
        self.user_id = user_id
        self.api_app_id = api_app_id
        self._now = now
        self._ids = itertools.count(1)

    def sign(
        self, body: bytes, content_type: str, *, timestamp: float | None = None, **extra: str
    ) -> SignedRequest:
        """Headers for a body; ``extra`` adds more (e.g. retry headers)."""
        stamp = str(int(self._now() if timestamp is None else timestamp))
        signature = self.verifier.generate_signature(timestamp=stamp, body=body)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
            **extra,
        }
        return SignedRequest(body=body, headers=headers)  # type: ignore[arg-type]

    def command(
        self,
        text: str,
        *,
        response_url: str,
        channel_id: str = "C0001",
        channel_name: str = "general",
        command: str = "/haishin",
        user_id: str | None = None,
        team_id: str | None = None,
        timestamp: float | None = None,
    ) -> SignedRequest:
        """A slash command (form-encoded, as Slack posts it)."""
        fields = {
            "token": "deprecated",
            "team_id": team_id or self.team_id,
            "team_domain": "test",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id or self.user_id,
            "user_name": "tester",
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"trigger.{next(self._ids)}",
        }
        body = urlencode(fields).encode()
        return self.sign(body, "application/x-www-form-urlencoded", timestamp=timestamp)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        team_id: str | None = None,
        timestamp: float | None = None,
    ) -> SignedRequest:
        """An Events API ``event_callback``; ``retry_num`` marks a redelivery."""
        team = team_id or self.team_id
        payload = {
            "token": "deprecated",
            "team_id": team,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(self._now()),
            "authorizations": [
                {"team_id": team, "user_id": f"UB{team}", "is_bot": True, "enterprise_id": None}
            ],
        }
        extra = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.sign(
            json.dumps(payload).encode(), "application/json", timestamp=timestamp, **extra
        )

    def mention(
        self,
        text: str,
        *,
        channel: str = "C0001",
        ts: str = "1700000000.000100",
        thread_ts: str | None = None,
        **kwargs: Any,
    ) -> SignedRequest:
        """An ``app_mention`` event: ``<@bot> text`` in a channel."""
        event = {
            "type": "app_mention",
            "user": self.user_id,
            "text": f"<@UB{kwargs.get('team_id') or self.team_id}> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, **kwargs)

    def direct_message(
        self, text: str, *, channel: str = "D0001", ts: str = "1700000000.000200", **kwargs: Any
    ) -> SignedRequest:
        """A ``message`` event in the bot's DM (``channel_type: im``)."""
        event = {
            "type": "message",
            "channel_type": "im",
            "user": self.user_id,
            "text": text,
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
        }
        return self.event(event, **kwargs)

    def action(
        self,
        action_id: str,
        value: str,
        *,
        response_url: str | None = None,
        channel_id: str = "C0001",
        message_ts: str = "1700000000.000300",
        thread_ts: str | None = None,
        ephemeral: bool = False,
        user_id: str | None = None,
        timestamp: float | None = None,
    ) -> SignedRequest:
        """A ``block_actions`` interaction: someone pressed a button."""
        container: dict[str, Any] = {
            "type": "ephemeral" if ephemeral else "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        }
        if thread_ts:
            container["thread_ts"] = thread_ts
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "test"},
            "user": {"id": user_id or self.user_id, "team_id": self.team_id},
            "api_app_id": self.api_app_id,
            "container": container,
            "channel": {"id": channel_id, "name": "general"},
            "trigger_id": f"trigger.{next(self._ids)}",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "actions",
                    "value": value,
                    "action_ts": str(self._now()),
                }
            ],
        }
        if response_url:
            payload["response_url"] = response_url
        if not ephemeral:
            message: dict[str, Any] = {"type": "message", "ts": message_ts, "text": ""}
            if thread_ts:
                message["thread_ts"] = thread_ts
            payload["message"] = message
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.sign(body, "application/x-www-form-urlencoded", timestamp=timestamp)
