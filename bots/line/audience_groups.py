"""Audience groups of readers to leave out of a narrowcast, on LINE and in the database.

An audience with exactly the same members is reused (``LineAudienceGroups`` names it by a
digest of the sorted ids), else it is uploaded (10,000 ids a request) and waited for until
LINE says it is ``READY``. Groups nothing needs any more are deleted (``prune``). LINE lets
only accounts made in Japan, Thailand and Taiwan create audiences (403 elsewhere).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from bots.line.client import LineClient, segment
from bots.line.errors import LineApiError, translate
from core.errors import DeliveryError
from core.ratelimit import Sleep
from core.storage.database import Database
from core.storage.line_audiences import LineAudienceGroups, members_key

log = logging.getLogger("haishin.line")

UPLOAD_MAX = 10_000  # user ids per audience request
AUDIENCE_MINIMUM = 50  # LINE fails a narrowcast naming a smaller audience (errorCode 4)
READY_WAIT = 120.0  # seconds to wait for an uploaded audience to be usable
GONE = ("EXPIRED", "FAILED", "INACTIVE")
UPLOAD_PATH = "/v2/bot/audienceGroup/upload"  # POST creates, PUT adds
GROUP_PATH = "/v2/bot/audienceGroup/{}"


class AudienceGroups:
    """The account's audience groups haishin uploaded, on LINE and in the database.

    Args:
        client: the channel's client.
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
        self.client = client
        self.store = LineAudienceGroups(db)
        self._sleep = sleep
        self._now = now
        self._lock = asyncio.Lock()

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
            uploaded = await self._upload(sorted(set(user_ids)), key)
            group_id = await self.store.keep(key, uploaded, len(set(user_ids)))
        if group_id != uploaded:  # another process uploaded the same members first
            await self._delete(uploaded)
            await self._ready(group_id, await self._status(group_id))
            return group_id
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
            if await self._delete(group.audience_group_id):
                await self.store.forget(group.members)
                deleted.append(group.audience_group_id)
        return deleted

    async def _delete(self, group_id: int) -> bool:
        """Delete a group on LINE; True once LINE no longer has it."""
        try:
            await self.client.request("DELETE", GROUP_PATH.format(segment(group_id)))
        except LineApiError as exc:
            if exc.status != 400:  # 400: LINE no longer has it
                log.info("LINE audience %s not deleted: HTTP %s", group_id, exc.status)
                return False
        except Exception as exc:
            log.info("LINE audience %s not deleted: %s", group_id, exc)
            return False
        return True

    async def _upload(self, ids: list[str], key: str) -> int:
        first, rest = ids[:UPLOAD_MAX], ids[UPLOAD_MAX:]
        try:
            created = await self.client.post(
                UPLOAD_PATH,
                {
                    "description": f"haishin: not the default digest {key[:12]}",
                    "isIfaAudience": False,
                    "audiences": [{"id": user_id} for user_id in first],
                },
            )
            group_id = int(created.json().get("audienceGroupId") or 0)
            for start in range(0, len(rest), UPLOAD_MAX):
                more = rest[start : start + UPLOAD_MAX]
                await self.client.request(
                    "PUT",
                    UPLOAD_PATH,
                    document={
                        "audienceGroupId": group_id,
                        "audiences": [{"id": user_id} for user_id in more],
                    },
                )
        except Exception as exc:
            raise _audience_error(exc, "audience upload") from exc
        log.info("LINE audience group %s uploaded: %d readers left out", group_id, len(ids))
        return group_id

    async def _status(self, group_id: int) -> str | None:
        try:
            data = await self.client.get(GROUP_PATH.format(segment(group_id)))
        except LineApiError as exc:
            if exc.status in (400, 404):  # gone (deleted in LINE Official Account Manager)
                return None
            raise _audience_error(exc, "audience check") from exc
        except Exception as exc:
            raise _audience_error(exc, "audience check") from exc
        group = data.get("audienceGroup") or {}
        return str(group.get("status") or "IN_PROGRESS")

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


def _audience_error(exc: BaseException, what: str) -> DeliveryError:
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
