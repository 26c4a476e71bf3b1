"""``POST /slack/events``: cap the body, check Slack's signature on the raw bytes, and only
then let Bolt parse and dispatch it.

Bolt's Starlette adapter parses a body (JSON, or a form whose ``payload`` is JSON) before its
middleware checks the signature, so an unsigned 10 MB form would be parsed on the event loop,
and garbage would raise inside Bolt (a 500 and a traceback). Here the order is: the declared
size (413), the signature headers (401), the body read up to ``MAX_BODY`` (413), UTF-8 (400),
the signature (401), the shape, down to the fields Bolt and the listeners read (400, see
``shapes``), then Bolt, whose own verification is switched off as redundant. Every outcome
is counted in ``haishin_webhook_requests_total{platform="slack"}``.
"""

from __future__ import annotations

import logging

from slack_bolt.adapter.starlette.async_handler import (
    AsyncSlackRequestHandler,
    to_starlette_response,
)
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import Response

from bots.inbound import (
    NOT_UNDERSTOOD,
    BodyTooLarge,
    WebhookOutcomes,
    declared_too_large,
    read_body,
)
from bots.metrics import Metrics
from bots.slack.shapes import unreadable

log = logging.getLogger("haishin.slack")

# Slack's requests are a few KB; the largest (an interaction carrying a whole message of
# 50 blocks) stay well under this.
MAX_BODY = 1024 * 1024
# Slack signs with Unix seconds; anything longer is not a timestamp (and int() of a long
# digit string is slow).
MAX_TIMESTAMP_DIGITS = 12
# Every body Slack sends has one of these: events and interactions a type, slash commands a
# command, the certificate check ssl_check.
_SLACK_KEYS = ("type", "command", "ssl_check")


class SlackEvents:
    """The endpoints of Slack's requests.

    Args:
        app: the Bolt app (built with ``request_verification_enabled=False``: this checks).
        signing_secret: the app's signing secret.
        metrics: counts requests by outcome.
    """

    def __init__(self, app: AsyncApp, signing_secret: str, metrics: Metrics) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)
        self.outcomes = WebhookOutcomes("slack", metrics, log)
        self._pages = AsyncSlackRequestHandler(app)

    async def events(self, request: Request) -> Response:
        """``POST /slack/events``: events, slash commands and interactions."""
        refuse = self.outcomes.refuse
        if declared_too_large(request, MAX_BODY):
            return refuse(request, 413, "too_large", f"the body is over {MAX_BODY:,} bytes")
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        if not (_is_timestamp(timestamp) and signature.isascii() and signature):
            return refuse(request, 401, "bad_signature", "missing or malformed signature headers")
        try:
            body = await read_body(request, MAX_BODY)
        except BodyTooLarge as exc:
            return refuse(request, 413, "too_large", str(exc))
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return refuse(request, 400, "malformed", "the body is not UTF-8 text")
        if not self.verifier.is_valid(text, timestamp, signature):
            return refuse(request, 401, "bad_signature", "invalid or stale signature")
        try:
            bolt_request = AsyncBoltRequest(
                body=text,
                query=request.query_params,  # type: ignore[arg-type]
                headers=request.headers,  # type: ignore[arg-type]
            )
        except NOT_UNDERSTOOD as exc:
            reason = f"not a Slack request body ({type(exc).__name__})"
            return refuse(request, 400, "malformed", reason, signed=True)
        shape = bolt_request.body
        if not isinstance(shape, dict) or not any(key in shape for key in _SLACK_KEYS):
            reason = "not a Slack request body (no type, command or ssl_check)"
            return refuse(request, 400, "malformed", reason, signed=True)
        if (problem := unreadable(shape)) is not None:
            return refuse(request, 400, "malformed", f"unreadable ({problem})", signed=True)
        response = to_starlette_response(await self.app.async_dispatch(bolt_request))
        self._count(response)
        return response

    async def pages(self, request: Request) -> Response:
        """``GET /slack/install`` and ``/slack/oauth_redirect`` (no body, no signature)."""
        response = await self._pages.handle(request)
        self._count(response)
        return response

    def _count(self, response: Response) -> None:
        code = response.status_code
        self.outcomes.count("ok" if code < 400 else f"http_{code}")


def _is_timestamp(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= MAX_TIMESTAMP_DIGITS
