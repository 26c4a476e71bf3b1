"""``POST /line/webhook``: check the signature, queue the events, answer 200 at once.

LINE wants an answer within 2 seconds and logs a timeout otherwise, so nothing here waits for
the database or the API: the body must be UTF-8, its signature is checked on the raw bytes
(``bots.line.events``), the events go to the bounded queue and the response goes out. The
body is read only up to ``MAX_BODY`` (413 beyond); a missing or bad signature gets 400
before anything is parsed, and so does a signed body that is not a webhook; an empty
``events`` list (LINE's "Verify" button) gets its 200.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bots.inbound import NOT_UNDERSTOOD, BodyTooLarge, WebhookOutcomes, read_body
from bots.line.events import InvalidSignature, WebhookParser
from bots.line.handlers import Inbound, conversation_of
from bots.line.queue import EventQueue
from bots.metrics import Metrics

log = logging.getLogger("haishin.line")

MAX_BODY = 1024 * 1024  # LINE's webhooks are a few KB; anything this big is not from LINE


class LineWebhook:
    """The webhook endpoint.

    Args:
        parser: verifies ``x-line-signature`` and parses the events.
        queue: where events wait for the workers.
        metrics: counts requests by outcome.
        now: the monotonic clock events are stamped with on arrival.
    """

    def __init__(
        self,
        parser: WebhookParser,
        queue: EventQueue[Inbound],
        metrics: Metrics,
        *,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.parser = parser
        self.queue = queue
        self.outcomes = WebhookOutcomes("line", metrics, log)
        self._now = now

    async def handle(self, request: Request) -> Response:
        """Starlette endpoint for ``POST /line/webhook``."""
        refuse = self.outcomes.refuse
        signature = request.headers.get("x-line-signature", "")
        if not signature:
            return refuse(request, 400, "bad_signature", "missing signature")
        try:
            body = await read_body(request, MAX_BODY)
        except BodyTooLarge as exc:
            return refuse(request, 413, "too_large", str(exc))
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return refuse(request, 400, "malformed", "the body is not UTF-8 text")
        try:
            events = self.parser.parse(body, signature)
        except InvalidSignature:
            return refuse(request, 400, "bad_signature", "invalid signature")
        except NOT_UNDERSTOOD as exc:  # signed, but not a webhook body
            reason = f"not a LINE webhook body ({type(exc).__name__})"
            return refuse(request, 400, "malformed", reason, signed=True)
        received = self._now()
        for event in events:
            key = conversation_of(event.source)
            self.queue.offer(Inbound(event, received), key)
        self.outcomes.count("ok")
        return PlainTextResponse("OK")
