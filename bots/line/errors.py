"""LINE API failures → core's typed ``DeliveryError``s: retry later, or stop and say what a
person must do."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

import aiohttp

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
from core.retryafter import retry_after as parse_retry_after

MONTHLY_LIMIT = "monthly limit"


class LineApiError(Exception):
    """LINE answered outside 2xx: its status, reason, body and headers, as received.

    Args:
        status: the HTTP status.
        reason: the status line's reason phrase.
        body: the response body (LINE's JSON error, usually).
        headers: the response headers (``Retry-After``, ``X-Line-Accepted-Request-Id``).
    """

    def __init__(
        self,
        status: int,
        reason: str = "",
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"HTTP {status} {reason}".strip())
        self.status = status
        self.reason = reason
        self.body = body
        self.headers: Mapping[str, str] = headers if headers is not None else {}


def error_message(exc: LineApiError) -> str:
    """LINE's own words from an error response (``message`` and any ``details``)."""
    body = exc.body.decode("utf-8", "replace")
    try:
        document = json.loads(body or "{}")
    except ValueError:
        return (body or exc.reason or "").strip()[:300]
    if not isinstance(document, dict):
        return str(document)[:300]
    message = str(document.get("message") or exc.reason or "")
    details = document.get("details") or []
    extra = "; ".join(
        f"{d.get('property', '')}: {d.get('message', '')}" for d in details if isinstance(d, dict)
    )
    return f"{message} ({extra})" if extra else message


def retry_after(exc: LineApiError) -> float | None:
    """Seconds from a ``Retry-After`` header, when LINE sent one."""
    return parse_retry_after(exc.headers)


def translate(exc: BaseException, what: str, *, backoff: float | None = None) -> DeliveryError:
    """The typed ``DeliveryError`` for a failed call; ``what`` names the call for the operator.

    429 (rate limit) and 5xx, timeouts and dropped connections are retryable; a 429 for the
    monthly limit and other 4xx are permanent (resending the same request can't succeed).
    """
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, LineApiError):
        status = exc.status
        said = error_message(exc)
        text = f"LINE {what} failed: HTTP {status} {said}".strip()
        code = str(status)
        if status == 429 and MONTHLY_LIMIT in said.lower():
            return QuotaExhausted(
                text + "; the channel's monthly message quota is used up",
                platform="line",
                code="quota_exceeded",
            )
        if status == 429:
            wait = retry_after(exc)
            return RetryAfter(text, platform="line", retry_after=wait or backoff, code=code)
        if status >= 500:
            return Unavailable(text, platform="line", retry_after=retry_after(exc), code=code)
        if status in (400, 413):  # the request itself (the messages): only it is refused
            return MessageRejected(text, platform="line", code=code)
        if status == 401:
            return TokenDead(text + "; check LINE_CHANNEL_ACCESS_TOKEN", platform="line", code=code)
        return DeliveryError(text, platform="line", retryable=False, code=code)
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return TimedOut(f"LINE {what} timed out", platform="line", code="timeout")
    if isinstance(exc, aiohttp.ClientError | OSError):
        return NetworkError(
            f"LINE {what} failed: {type(exc).__name__}: {exc}", platform="line", code="network"
        )
    return DeliveryError(
        f"LINE {what} failed: {type(exc).__name__}: {exc}",
        platform="line",
        retryable=False,
        code="error",
    )
