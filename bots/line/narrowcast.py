"""Narrowcast to every friend but some: an uploaded audience group, left out with ``not``.

Readers who chose their own sections or opted out must not get the default digest, but the
account's other friends (most of whom never wrote to the bot) must. A narrowcast whose
recipient is "not this audience" does that in one request. Its steps, each safe to repeat:

1. the audience group of the readers to leave out: one with exactly these members is
   reused (``LineAudienceGroups``, by a digest of the ids), else created (10,000 ids a
   request) and waited for until LINE says it is ``READY``;
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
from collections.abc import Callable, Sequence
from typing import Any

from linebot.v3 import audience
from linebot.v3.messaging import (
    ApiException,
    AudienceRecipient,
    Message,
    NarrowcastRequest,
    OperatorRecipient,
)

from bots.line.client import LineClient
from bots.line.errors import translate
from core.errors import DeliveryError
from core.ports import SendJob, SentMessage
from core.ratelimit import Sleep
from core.storage.database import Database
from core.storage.line_audiences import LineAudienceGroups, members_key

log = logging.getLogger("haishin.line")

UPLOAD_MAX = 10_000  # user ids per audience request
AUDIENCE_MINIMUM = 50  # LINE fails a narrowcast naming a smaller audience (errorCode 4)
READY_WAIT = 120.0  # seconds to wait for an uploaded audience to be usable
POLL = 2.0  # seconds between progress looks
PATIENCE = 900.0  # seconds of polling before the row is left for a later look
FAILED = {
    1: "LINE had an internal error",
    2: "there was no one to send to",
    3: "the request was accepted before (retry conflict)",
    4: f"an audience of fewer than {AUDIENCE_MINIMUM} people was named",
    5: "LINE cancelled it rather than reach only part of the audience",
}
GONE = ("EXPIRED", "FAILED", "INACTIVE")


class AudienceGroups:
    """The account's audience groups haishin uploaded, on LINE and in the database.

    Args:
        client: the channel's client (its token and host).
        db: where the groups are remembered.
        sleep / now: time, injected.
    """

    def __init__(
        self,
        client: LineClient,
        db: Database,
        *,
        sleep: Sleep = asyncio.sleep,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        configuration = client.configuration
        self._configuration = audience.Configuration(
            access_token=configuration.access_token, host=configuration.host
        )
        self._timeout = client.timeout
        self._client: audience.AsyncApiClient | None = None
        self.store = LineAudienceGroups(db)
        self._sleep = sleep
        self._now = now
        self._lock = asyncio.Lock()

    @property
    def api(self) -> audience.AsyncManageAudience:
        """The SDK's Manage Audience API (its session is made inside the running loop)."""
        if self._client is None:
            self._client = audience.AsyncApiClient(self._configuration)
        return audience.AsyncManageAudience(self._client)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def ensure(self, user_ids: Sequence[str]) -> int:
        """The id of a ready audience group holding exactly ``user_ids``.

        Raises:
            DeliveryError: LINE refused (permanent: e.g. the account may not make audiences)
                or failed (retryable), or the group was not ready in time (retryable).
        """
        key = members_key(user_ids)
        async with self._lock:  # one upload per membership in this process
            found = await self.store.find(key)
            if found is not None:
                status = await self._status(found.audience_group_id)
                if status not in (None, *GONE):
                    await self.store.used(key)
                    await self._ready(found.audience_group_id, status)
                    return found.audience_group_id
                await self.store.forget(key)
            group_id = await self._upload(sorted(set(user_ids)), key)
            await self.store.keep(key, group_id, len(set(user_ids)))
        await self._ready(group_id, "IN_PROGRESS")
        return group_id

    async def prune(self, keep: int | None) -> list[int]:
        """Delete the groups no narrowcast needs any more (all but ``keep`` and those of
        narrowcasts still going); returns the ids deleted. Failures are left for later."""
        needed = await self.store.unfinished_groups()
        deleted = []
        for group in await self.store.all():
            if group.audience_group_id == keep or group.audience_group_id in needed:
                continue
            try:
                await self.api.delete_audience_group(
                    group.audience_group_id, _request_timeout=self._timeout
                )
            except audience.ApiException as exc:
                if exc.status != 400:  # 400: LINE no longer has it
                    log.info("LINE audience %s not deleted: HTTP %s", group, exc.status)
                    continue
            except Exception as exc:
                log.info("LINE audience %s not deleted: %s", group.audience_group_id, exc)
                continue
            await self.store.forget(group.members)
            deleted.append(group.audience_group_id)
        return deleted

    async def _upload(self, ids: list[str], key: str) -> int:
        api = self.api
        first, rest = ids[:UPLOAD_MAX], ids[UPLOAD_MAX:]
        try:
            created = await api.create_audience_group(
                audience.CreateAudienceGroupRequest(
                    description=f"haishin: not the default digest {key[:12]}",
                    isIfaAudience=False,
                    audiences=[audience.Audience(id=user_id) for user_id in first],
                ),
                _request_timeout=self._timeout,
            )
            group_id = int(created.audience_group_id or 0)
            for start in range(0, len(rest), UPLOAD_MAX):
                await api.add_audience_to_audience_group(
                    audience.AddAudienceToAudienceGroupRequest(
                        audienceGroupId=group_id,
                        audiences=[
                            audience.Audience(id=u) for u in rest[start : start + UPLOAD_MAX]
                        ],
                    ),
                    _request_timeout=self._timeout,
                )
        except Exception as exc:
            raise _audience_error(exc, "audience upload") from exc
        log.info("LINE audience group %s uploaded: %d readers left out", group_id, len(ids))
        return group_id

    async def _status(self, group_id: int) -> str | None:
        try:
            data = await self.api.get_audience_data(group_id, _request_timeout=self._timeout)
        except audience.ApiException as exc:
            if exc.status in (400, 404):  # gone (deleted in LINE Official Account Manager)
                return None
            raise _audience_error(exc, "audience check") from exc
        except Exception as exc:
            raise _audience_error(exc, "audience check") from exc
        group = data.audience_group
        status = group.status if group is not None else None
        return str(getattr(status, "value", status) or "IN_PROGRESS")

    async def _ready(self, group_id: int, status: str | None) -> None:
        deadline = self._now() + READY_WAIT
        wait = 0.5
        while status != "READY":
            if status in GONE or status is None:
                raise DeliveryError(
                    f"LINE audience group {group_id} is {status or 'gone'}; it is made again "
                    "on the next try",
                    platform="line",
                    retryable=True,
                    code="audience_gone",
                )
            if self._now() >= deadline:
                raise DeliveryError(
                    f"LINE audience group {group_id} is not ready after {READY_WAIT:.0f} s",
                    platform="line",
                    retryable=True,
                    code="audience_not_ready",
                )
            await self._sleep(wait)
            wait = min(wait * 2, 10.0)
            status = await self._status(group_id)


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

    async def send(self, job: SendJob, messages: list[Message], retry_key: str) -> SentMessage:
        """Narrowcast ``messages`` to every friend but the job's left-out readers."""
        left_out = job.audience.recipients[1:]
        group_id = await self.groups.ensure(left_out)
        recipient = OperatorRecipient(
            type="operator", **{"not": AudienceRecipient(type="audience", audienceGroupId=group_id)}
        )
        request = NarrowcastRequest(messages=messages, recipient=recipient)
        options: dict[str, Any] = {
            "x_line_retry_key": retry_key,
            "_request_timeout": self.client.timeout,
        }
        try:
            response = await self.client.messaging.narrowcast_with_http_info(request, **options)
            headers = response.headers or {}
            request_id = headers.get("X-Line-Request-Id", "")
        except ApiException as exc:
            if exc.status != 409:
                raise translate(exc, "narrowcast", backoff=60.0) from exc
            # Accepted by an earlier attempt: follow that one.
            request_id = (exc.headers or {}).get("X-Line-Accepted-Request-Id", "")
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
        api = self.client.messaging
        while True:
            try:
                progress = await api.get_narrowcast_progress(
                    request_id, _request_timeout=self.client.timeout
                )
            except Exception as exc:
                raise _pending(request_id, f"its progress could not be read: {exc}") from exc
            phase = str(progress.phase)
            if phase == "succeeded":
                await self.groups.store.phase(delivery_id, phase)
                log.info(
                    "LINE narrowcast %s reached %s of %s",
                    request_id,
                    progress.success_count,
                    progress.target_count,
                )
                await self.groups.prune(keep=group_id)
                return SentMessage(ref=f"line:narrowcast:{request_id}")
            if phase == "failed":
                await self.groups.store.phase(delivery_id, phase)
                reason = FAILED.get(progress.error_code or 0, "")
                said = progress.failed_description or ""
                raise DeliveryError(
                    f"LINE narrowcast {request_id} failed: {said or reason}"
                    + (f" ({reason})" if said and reason else "")
                    + "; nobody got it",
                    platform="line",
                    retryable=False,
                    code=f"narrowcast_{progress.error_code or 0}",
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


def _audience_error(exc: BaseException, what: str) -> DeliveryError:
    # The audience SDK has its own ApiException; ``translate`` knows the messaging one.
    if isinstance(exc, audience.ApiException):
        converted = ApiException(status=exc.status, reason=exc.reason)
        converted.body = exc.body
        converted.headers = exc.headers
        exc = converted
    error = translate(exc, what)
    if error.code == "403":
        error = DeliveryError(
            error.message + " (LINE lets only accounts made in Japan, Thailand and Taiwan "
            "create audiences; haishin then can't leave readers out of a narrowcast)",
            platform="line",
            retryable=False,
            code="403",
        )
    return error
