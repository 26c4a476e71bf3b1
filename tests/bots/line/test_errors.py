"""LINE's failures become core's typed delivery errors: delivery decides from the type."""

from __future__ import annotations

import json

import aiohttp
import pytest
from linebot.v3.messaging import ApiException

from bots.line.errors import translate
from core.delivery import stops_subscription
from core.delivery.retry import surely_not_sent
from core.errors import (
    DeliveryError,
    MessageRejected,
    NetworkError,
    QuotaExhausted,
    RetryAfter,
    TimedOut,
    TokenDead,
    Unavailable,
)


def answered(status: int, message: str, headers: dict[str, str] | None = None) -> ApiException:
    exc = ApiException(status=status, reason="refused")
    exc.body = json.dumps({"message": message}).encode()
    exc.headers = headers or {}
    return exc


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (429, "Too Many Requests", RetryAfter),
        (429, "You have reached your monthly limit.", QuotaExhausted),
        (500, "Internal Server Error", Unavailable),
        (400, "The request body has 1 error(s)", MessageRejected),
        (413, "Payload Too Large", MessageRejected),
        (401, "Authentication failed", TokenDead),
        (403, "Access to this API is not available for your account", DeliveryError),
    ],
)
def test_each_answer_has_its_type(status: int, message: str, kind: type[DeliveryError]) -> None:
    failure = translate(answered(status, message), "push")
    assert type(failure) is kind
    assert failure.platform == "line" and message in failure.message


def test_refusals_before_acting_sent_nothing_and_only_the_quota_pauses() -> None:
    limited = translate(answered(429, "Too Many Requests", {"Retry-After": "2"}), "push")
    quota = translate(answered(429, "You have reached your monthly limit."), "push")
    assert limited.retry_after == 2 and surely_not_sent(limited.kind)
    assert surely_not_sent(quota.kind) and stops_subscription(quota)
    assert not stops_subscription(translate(answered(400, "bad"), "push"))
    assert stops_subscription(translate(answered(401, "Authentication failed"), "push"))


def test_timeouts_and_dropped_connections_are_retried() -> None:
    assert isinstance(translate(TimeoutError(), "push"), TimedOut)
    dropped = translate(aiohttp.ClientConnectionError("reset"), "push")
    assert type(dropped) is NetworkError and dropped.retryable
