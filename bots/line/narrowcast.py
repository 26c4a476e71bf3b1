"""Narrowcast to every friend but some: an uploaded audience group, left out with ``not``.

Readers who chose their own sections or opted out must not get the default digest, but the
account's other friends (most of whom never wrote to the bot) must. A narrowcast whose
recipient is "not this audience" does that in one request. Its steps, each safe to repeat:

1. the audience group of the readers to leave out (``bots.line.audience_groups``: reused
   while its members are the same, else uploaded and waited for until ``READY``);
2. the narrowcast, with ``X-Line-Retry-Key`` = the ledger row's id (409 on a resend names
   the request LINE accepted before); its request id is stored at once;
3. ``/v2/bot/message/progress/narrowcast`` is polled until ``succeeded`` or ``failed``.

A send in doubt (the process died after step 2) is looked up by its stored request id
before anything is resent (``find``). Groups no longer needed are deleted (``prune``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from bots.line.audience_groups import AUDIENCE_MINIMUM, AudienceGroups
from bots.line.client import LineClient
from bots.line.errors import LineApiError, translate
from core.errors import DeliveryError
from core.ports import SendJob, SentMessage
from core.ratelimit import Sleep

log = logging.getLogger("haishin.line")

NARROWCAST_PATH = "/v2/bot/message/narrowcast"
PROGRESS_PATH = "/v2/bot/message/progress/narrowcast"
POLL = 2.0  # seconds between progress looks
PATIENCE = 900.0  # seconds of polling before the row is left for a later look
FAILED = {
    1: "LINE had an internal error",
    2: "there was no one to send to",
    3: "the request was accepted before (retry conflict)",
    4: f"an audience of fewer than {AUDIENCE_MINIMUM} people was named",
    5: "LINE cancelled it rather than reach only part of the audience",
}


class Narrowcaster:
    """Sends narrowcasts to every friend but an audience, and follows them to the end.

    Args:
        client: the channel's client.
        groups: the audience groups.
        sleep / now: time, injected.
        poll / patience: seconds between progress looks, and of looking at most.
    """

    def __init__(
        self,
        client: LineClient,
        groups: AudienceGroups,
        *,
        sleep: Sleep = asyncio.sleep,
        now: Callable[[], float] = time.monotonic,
        poll: float = POLL,
        patience: float = PATIENCE,
    ) -> None:
        self.client = client
        self.groups = groups
        self._sleep = sleep
        self._now = now
        self._poll = poll
        self._patience = patience

    async def send(
        self, job: SendJob, messages: list[dict[str, Any]], retry_key: str
    ) -> SentMessage:
        """Narrowcast ``messages`` to every friend but the job's left-out readers; one LINE
        accepted for this row before (its request id stored) is followed, not sent again,
        whatever the caller knew of it."""
        found = await self.find(job)
        if found is not None:
            return found
        left_out = job.audience.recipients[1:]
        group_id = await self.groups.ensure(left_out)
        request = {
            "messages": messages,
            "recipient": {
                "type": "operator",
                "not": {"type": "audience", "audienceGroupId": group_id},
            },
            "notificationDisabled": False,
        }
        try:
            response = await self.client.post(NARROWCAST_PATH, request, retry_key=retry_key)
            request_id = response.headers.get("X-Line-Request-Id", "")
        except LineApiError as exc:
            if exc.status != 409:
                raise translate(exc, "narrowcast", backoff=60.0) from exc
            # Accepted by an earlier attempt: follow that one.
            request_id = exc.headers.get("X-Line-Accepted-Request-Id", "")
        except Exception as exc:  # timeouts and dropped connections: LINE may have it
            raise translate(exc, "narrowcast") from exc
        if not request_id:
            raise DeliveryError(
                "LINE accepted a narrowcast without naming its request id",
                platform="line",
                retryable=False,
                code="narrowcast_unknown",
            )
        await self.groups.store.accepted(job.delivery_id, request_id, group_id)
        return await self._follow(job.delivery_id, request_id, group_id)

    async def find(self, job: SendJob) -> SentMessage | None:
        """A narrowcast an earlier attempt made, followed to its end; None if none was
        accepted (as far as we stored: a resend then carries the same retry key)."""
        known = await self.groups.store.narrowcast(job.delivery_id)
        if known is None:
            return None
        log.info("LINE narrowcast %s in doubt: looking it up", known.request_id)
        return await self._follow(job.delivery_id, known.request_id, known.audience_group_id)

    async def _follow(self, delivery_id: str, request_id: str, group_id: int) -> SentMessage:
        started = self._now()
        while True:
            try:
                progress = await self.client.get(PROGRESS_PATH, requestId=request_id)
            except Exception as exc:
                raise _pending(request_id, f"its progress could not be read: {exc}") from exc
            phase = str(progress.get("phase"))
            if phase == "succeeded":
                await self.groups.store.phase(delivery_id, phase)
                log.info(
                    "LINE narrowcast %s reached %s of %s",
                    request_id,
                    progress.get("successCount"),
                    progress.get("targetCount"),
                )
                await self.groups.prune(keep=group_id)
                return SentMessage(ref=f"line:narrowcast:{request_id}")
            if phase == "failed":
                await self.groups.store.phase(delivery_id, phase)
                error_code = int(progress.get("errorCode") or 0)
                reason = FAILED.get(error_code, "")
                said = str(progress.get("failedDescription") or "")
                raise DeliveryError(
                    f"LINE narrowcast {request_id} failed: {said or reason}"
                    + (f" ({reason})" if said and reason else "")
                    + "; nobody got it",
                    platform="line",
                    retryable=False,
                    code=f"narrowcast_{error_code}",
                )
            await self.groups.store.phase(delivery_id, phase)
            if self._now() - started >= self._patience:
                raise _pending(request_id, f"still {phase} after {self._patience:.0f} s")
            await self._sleep(self._poll)


def _pending(request_id: str, why: str) -> DeliveryError:
    # Retryable and "in doubt": the next attempt looks the request up before any resend.
    return DeliveryError(
        f"LINE narrowcast {request_id}: {why}; looked up again later",
        platform="line",
        retryable=True,
        code="narrowcast_pending",
    )
