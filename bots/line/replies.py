"""Sending reply messages: free, single-use, and worth one quick retry.

A reply token works once, within about a minute of the webhook. An event that waited in the
queue longer than that is not answered at all (the call could only fail) and is counted as
dropped. A 429 or 5xx gets one more try after a short pause; if LINE had taken the first
attempt after all, the second is refused as an invalid token, which is harmless. Failures are
logged, never raised: the reader simply gets no answer, and the worker goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from bots.identity import IdentityCache
from bots.line.client import LineClient, dumps
from bots.line.errors import LineApiError, translate
from bots.line.render import MAX_MESSAGES

log = logging.getLogger("haishin.line")

REPLY_PATH = "/v2/bot/message/reply"
RETRY_PAUSE = 0.5
REPLY_WINDOW = 55.0  # seconds a reply token is safely good for (LINE: about one minute)
# When the webhook carrying the event being handled arrived (monotonic seconds), per task.
RECEIVED: ContextVar[float | None] = ContextVar("line_webhook_received", default=None)


class ReplySender:
    """Sends replies (ready JSON, no models).

    Args:
        client: the LINE API clients.
        sleep: how to wait before the retry (tests pass one that doesn't).
        now: the monotonic clock webhooks are stamped with.
        on_expired: called for each answer dropped because its token expired in the queue.
    """

    def __init__(
        self,
        client: LineClient,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], float] = time.monotonic,
        on_expired: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        self._sleep = sleep
        self._now = now
        self._on_expired = on_expired
        self._encoded: IdentityCache[list[dict[str, Any]], bytes] = IdentityCache(2048)
        self.sent = 0
        self.failed = 0
        self.expired = 0

    def _body(self, reply_token: str, messages: list[dict[str, Any]]) -> bytes:
        # The messages' JSON is made once per list the renderer handed out (it hands out
        # the same list for the same answer); only the reply token differs between readers.
        encoded = self._encoded.get(messages, lambda: dumps(messages[:MAX_MESSAGES]))
        return b'{"replyToken":' + dumps(reply_token) + b',"messages":' + encoded + b"}"

    async def send(self, reply_token: str | None, messages: list[dict[str, Any]]) -> bool:
        """Reply with up to 5 messages; True when LINE accepted them."""
        if not reply_token or not messages:
            return False
        received = RECEIVED.get()
        if received is not None and self._now() - received > REPLY_WINDOW:
            self.expired += 1
            if self._on_expired is not None:
                self._on_expired()
            log.warning(
                "LINE reply dropped: the event waited %.0f s, its token expired",
                self._now() - received,
            )
            return False
        body = self._body(reply_token, messages)
        for attempt in (1, 2):
            try:
                await self.client.post_json(REPLY_PATH, body)
            except Exception as exc:
                error = translate(exc, "reply")
                retry = attempt == 1 and error.retryable
                if isinstance(exc, LineApiError) and exc.status == 400 and attempt == 2:
                    return True  # the first attempt had landed: the token is spent
                log.warning("%s%s", error.message, "; retrying" if retry else "")
                if retry:
                    await self._sleep(min(error.retry_after or RETRY_PAUSE, 2.0))
                    continue
                self.failed += 1
                return False
            self.sent += 1
            return True
        return False
