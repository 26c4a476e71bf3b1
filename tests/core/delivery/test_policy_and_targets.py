"""Backoff arithmetic and the target forms people type."""

from __future__ import annotations

import random

import pytest

from core.delivery import RetryPolicy, Target, stops_subscription
from core.delivery.retry import surely_not_sent
from core.errors import (
    AudienceGone,
    ConfigError,
    DeliveryError,
    MessageRejected,
    QuotaExhausted,
    RetryAfter,
    TimedOut,
    TokenDead,
    Unavailable,
)


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(base=2, cap=60, rng=random.Random(1))
    for attempt, full in [(1, 2), (2, 4), (3, 8), (6, 60), (20, 60)]:
        delays = [policy.delay(attempt) for _ in range(200)]
        assert full / 2 <= min(delays) and max(delays) <= full
        assert max(delays) - min(delays) > full / 4  # really spread


def test_retry_after_is_a_floor_never_undercut() -> None:
    policy = RetryPolicy(base=2, cap=60, rng=random.Random(2))
    delays = [policy.delay(1, retry_after=30) for _ in range(200)]
    assert min(delays) >= 30 and max(delays) <= 33
    assert policy.delay(10, retry_after=1) >= 30  # a long backoff still applies


def test_permanent_audience_errors_pause_and_message_errors_do_not() -> None:
    assert stops_subscription(AudienceGone("channel gone", platform="slack"))
    assert stops_subscription(TokenDead("token revoked", platform="slack"))
    assert stops_subscription(QuotaExhausted("quota used up", platform="line"))
    assert stops_subscription(DeliveryError("refused", platform="slack", retryable=False))
    assert not stops_subscription(MessageRejected("too long", platform="slack"))
    assert not stops_subscription(Unavailable("internal_error", platform="slack"))
    assert not stops_subscription(RetryAfter("429", platform="line", retry_after=1))


def test_only_refusals_before_acting_are_surely_not_sent() -> None:
    assert surely_not_sent(RetryAfter("429", platform="line", retry_after=1).kind)
    assert surely_not_sent(QuotaExhausted("quota used up", platform="line").kind)
    assert not surely_not_sent(Unavailable("500", platform="line").kind)
    assert not surely_not_sent(TimedOut("timed out", platform="slack").kind)
    assert not surely_not_sent(None)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("slack:T0123/C0456", Target("slack", "C0456", "T0123")),
        (" SLACK:T1/G22 ", Target("slack", "G22", "T1")),
        ("line:all", Target("line", "all")),
        ("line:U" + "0" * 31 + "a", Target("line", "U" + "0" * 31 + "a")),
    ],
)
def test_targets_are_read(text: str, target: Target) -> None:
    assert Target.parse(text) == target
    assert Target.parse(target.address) == target


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("C0456", "is not one of slack:TEAM/CHANNEL"),
        ("slack:C0456", "must be slack:TEAM/CHANNEL"),
        ("line:bob", "32 hex digits"),
        ("teams:x", "unknown platform 'teams'"),
    ],
)
def test_bad_targets_say_what_is_expected(text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        Target.parse(text)
