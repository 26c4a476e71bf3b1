"""Slack's failures become core's typed delivery errors: delivery decides from the type."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bots.slack.errors import from_api_error, from_transport_error
from core.delivery import stops_subscription
from core.delivery.retry import surely_not_sent
from core.errors import (
    AudienceGone,
    DeliveryError,
    MessageRejected,
    NetworkError,
    RetryAfter,
    TimedOut,
    TokenDead,
    Unavailable,
)


def refused(error: str, status: int = 200, headers: dict[str, str] | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(error, response)  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        ("ratelimited", 429, RetryAfter),
        ("internal_error", 200, Unavailable),
        ("fatal_error", 500, Unavailable),
        ("msg_blocks_too_long", 200, MessageRejected),
        ("invalid_blocks", 200, MessageRejected),
        ("channel_not_found", 200, AudienceGone),
        ("is_archived", 200, AudienceGone),
        ("token_revoked", 200, TokenDead),
        ("invalid_auth", 200, TokenDead),
    ],
)
def test_each_refusal_has_its_type_and_keeps_slacks_code(
    error: str, status: int, kind: type[DeliveryError]
) -> None:
    failure = from_api_error(refused(error, status), channel="C1")
    assert type(failure) is kind
    assert failure.platform == "slack"
    assert failure.code == ("ratelimited" if kind is RetryAfter else error)


def test_a_rate_limit_waits_as_long_as_slack_said_and_sent_nothing() -> None:
    failure = from_api_error(refused("ratelimited", 429, {"Retry-After": "30"}), channel="C1")
    assert isinstance(failure, RetryAfter) and failure.retry_after == 30
    assert surely_not_sent(failure.kind)


def test_the_audience_pauses_but_a_rejected_message_does_not() -> None:
    assert stops_subscription(from_api_error(refused("not_in_channel"), channel="C1"))
    assert stops_subscription(from_api_error(refused("restricted_action"), channel="C1"))
    assert not stops_subscription(from_api_error(refused("msg_too_long"), channel="C1"))


def test_timeouts_and_dropped_connections_are_retried_after_a_look() -> None:
    timed_out = from_transport_error(TimeoutError(), channel="C1")
    dropped = from_transport_error(aiohttp.ServerDisconnectedError(), channel="C1")
    assert isinstance(timed_out, TimedOut) and timed_out.retryable
    assert type(dropped) is NetworkError and dropped.retryable
    assert not surely_not_sent(timed_out.kind) and not surely_not_sent(dropped.kind)
