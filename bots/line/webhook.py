"""``POST /line/webhook``: check the signature, queue the events, answer 200 at once.

LINE wants an answer within 2 seconds and logs a timeout otherwise, so nothing here waits for
the database or the API: the signature is checked on the raw body (``WebhookParser`` wants
it as text, so the bytes are decoded as UTF-8 first), the events go to the bounded queue and
the response goes out. A bad signature gets 400 before anything else happens; an empty
``events`` list (LINE's "Verify" button) gets its 200.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

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
        self.metrics = metrics
        self._now = now

    async def handle(self, request: Request) -> Response:
        """Starlette endpoint for ``POST /line/webhook``."""
        body = await request.body()
        signature = request.headers.get("x-line-signature", "")
        if not signature or len(body) > MAX_BODY:
            return self._refuse("missing signature" if not signature else "body too large")
        try:
            text = body.decode("utf-8")
            events = self.parser.parse(text, signature)
        except InvalidSignatureError:
            return self._refuse("invalid signature")
        except (ValueError, KeyError, TypeError) as exc:  # signed, but not a webhook body
            log.warning("LINE webhook body not understood: %s", exc)
            return self._refuse("malformed body", outcome="malformed")
        received = self._now()
        for event in events:
            key = conversation_of(getattr(event, "source", None))
            self.queue.offer(Inbound(event, received), key)
        self.metrics.webhook_requests.labels(platform="line", outcome="ok").inc()
        return PlainTextResponse("OK")

    def _refuse(self, reason: str, outcome: str = "bad_signature") -> Response:
        self.metrics.webhook_requests.labels(platform="line", outcome=outcome).inc()
        return JSONResponse({"error": reason}, status_code=400)
