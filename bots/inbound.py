"""Inbound requests from outside: bodies read only up to a limit, refusals told in one line.

Starlette reads whatever body arrives (``request.body()`` has no limit) and uvicorn has no
setting for one, so the cap is here: a ``Content-Length`` over the limit is refused before a
byte of the body is read, and a body without one (chunked) is read only until it passes the
limit. Nothing here parses a body; the webhooks check signatures on the bytes this returns.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message

from bots.metrics import Metrics

MAX_DIGITS = 15  # a Content-Length longer than this is absurd (and int() of it costly)
# What an SDK's parsing raises on a signed body that is not what the platform sends: not
# JSON, the wrong shape (null, a list), fields of the wrong type; RecursionError for JSON
# nested deeper than the parser goes.
NOT_UNDERSTOOD = (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError)


class BodyTooLarge(Exception):
    """The request's body is over the limit (it was not read to the end)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is over {limit:,} bytes")
        self.limit = limit


def declared_too_large(request: Request, limit: int) -> bool:
    """True when the request says (``Content-Length``) that its body is over ``limit``."""
    declared = request.headers.get("content-length", "")
    return (
        declared.isascii()
        and declared.isdigit()
        and (len(declared) > MAX_DIGITS or int(declared) > limit)
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, refused as soon as it is known to be over ``limit`` bytes.

    Raises:
        BodyTooLarge: declared or found to be over ``limit``; the rest is never read.
    """
    if declared_too_large(request, limit):
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def replay(request: Request, body: bytes) -> Request:
    """The same request with its body already read: for code that parses it afterwards."""

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


class WebhookOutcomes:
    """Counts every request of one platform's webhook by outcome, and logs each refusal
    as one line (never the body, never a traceback).

    Outcomes: ``ok``; ``bad_signature`` (missing, malformed, wrong or stale); ``too_large``;
    ``malformed`` (not text, or not a body the platform sends); others as the platform's
    SDK answered (``http_404``...).
    """

    def __init__(self, platform: str, metrics: Metrics, log: logging.Logger) -> None:
        self.platform = platform
        self.metrics = metrics
        self.log = log

    def count(self, outcome: str) -> None:
        """Count one request."""
        self.metrics.webhook_requests.labels(platform=self.platform, outcome=outcome).inc()

    def refuse(
        self, request: Request, status: int, outcome: str, reason: str, *, signed: bool = False
    ) -> Response:
        """Count, log and answer a refused request.

        Args:
            signed: the body passed the signature check, so the platform itself sent it:
                logged as a warning. Unsigned junk is the internet's noise: info.
        """
        self.count(outcome)
        level = logging.WARNING if signed else logging.INFO
        client = request.client.host if request.client else "?"
        self.log.log(
            level, "%s webhook refused (%d): %s (from %s)", self.platform, status, reason, client
        )
        return JSONResponse({"error": reason}, status_code=status)
