"""Slack API failures → core's typed ``DeliveryError``s: retry later, or stop and say what a
person must do."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError

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
from core.retryafter import retry_after as parse_retry_after

# The workspace's token no longer works: nothing goes there until haishin is reinstalled.
TOKEN_ERRORS = frozenset(
    {"token_revoked", "invalid_auth", "account_inactive", "not_authed", "token_expired"}
)
_RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})
_RETRYABLE = frozenset(
    {
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
_EXPLAINED = {
    "channel_not_found": "channel {channel} does not exist, or is private and haishin was "
    "not invited; invite @haishin to this channel or remove the subscription",
    "not_in_channel": "haishin is not in channel {channel}: invite @haishin to this channel",
    "is_archived": "channel {channel} is archived; unarchive it or remove the subscription",
    "restricted_action": "the workspace does not let haishin post in {channel}",
    "missing_scope": "the app lacks a permission it needs; reinstall haishin from its manifest",
    "msg_blocks_too_long": "the message is longer than Slack accepts (a bug in haishin's "
    "splitter; please report it)",
    "invalid_blocks": "Slack refused the message layout (a bug in haishin's renderer; please "
    "report it)",
}
# Which refusals are of the message (the rest of the digest goes on) and which of the channel.
_KINDS: dict[str, type[MessageRejected] | type[AudienceGone]] = {
    "msg_blocks_too_long": MessageRejected,
    "msg_too_long": MessageRejected,
    "invalid_blocks": MessageRejected,
    "invalid_arguments": MessageRejected,
    "channel_not_found": AudienceGone,
    "not_in_channel": AudienceGone,
    "is_archived": AudienceGone,
}
_TOKEN_MESSAGE = (
    "the bot token for this workspace no longer works ({code}): haishin was uninstalled or "
    "its token revoked; install the app again"
)


def error_code(exc: SlackApiError) -> str:
    """The ``error`` of a failed Slack response (``channel_not_found``...)."""
    data = exc.response.data if exc.response is not None else None
    if isinstance(data, dict):
        return str(data.get("error") or "unknown_error")
    return "unknown_error"


def retry_after(exc: SlackApiError) -> float | None:
    """Seconds from a 429's ``Retry-After`` header, when present."""
    return parse_retry_after(exc.response.headers if exc.response is not None else None)


def from_api_error(exc: SlackApiError, *, channel: str) -> DeliveryError:
    """Translate a Slack API error into a typed ``DeliveryError`` with a message a person
    can act on."""
    status = exc.response.status_code if exc.response is not None else 0
    code = error_code(exc)
    if status == 429 or code in _RATE_LIMITED:
        wait = retry_after(exc) or 1.0
        return RetryAfter(
            f"Slack rate limit in {channel}; retry after {wait:g} s",
            platform="slack",
            retry_after=wait,
            code="ratelimited",
        )
    if status >= 500 or code in _RETRYABLE:
        return Unavailable(
            f"Slack answered {status} ({code}) for {channel}; will retry",
            platform="slack",
            retry_after=retry_after(exc),
            code=code,
        )
    if code in TOKEN_ERRORS:
        return TokenDead(_TOKEN_MESSAGE.format(code=code), platform="slack", code=code)
    message = _EXPLAINED.get(code, "Slack refused the message in {channel}: " + code)
    kind = _KINDS.get(code)
    if kind is not None:
        return kind(message.format(channel=channel), platform="slack", code=code)
    return DeliveryError(
        message.format(channel=channel), platform="slack", retryable=False, code=code
    )


def from_transport_error(exc: BaseException, *, channel: str) -> DeliveryError:
    """A timeout or dropped connection: the send may or may not have landed, so retry
    (after checking with ``find_sent``)."""
    timed_out = isinstance(exc, asyncio.TimeoutError)
    kind = "timed out" if timed_out else "lost its connection"
    error = TimedOut if timed_out else NetworkError
    return error(
        f"the Slack call for {channel} {kind} ({type(exc).__name__}); it may have been "
        "posted, so it is checked before a resend",
        platform="slack",
        code="timeout" if timed_out else "connection",
    )


TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (asyncio.TimeoutError, aiohttp.ClientError)
