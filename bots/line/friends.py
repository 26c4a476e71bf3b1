"""The account's friends: how many there are (LINE's insight) and who (``followers/ids``).

A broadcast or narrowcast reaches every friend, most of whom never wrote to the bot, so its
cost is counted from LINE's own friend count (``/v2/bot/insight/followers``: friends ever
added minus those blocking), not from the followers haishin knows. Verified and premium
accounts may also list their friends' user ids (``/v2/bot/followers/ids``); ``sync`` records
those haishin hasn't seen, which lets a plan reach everyone by multicast and leaves fewer
friends to a narrowcast. ``FollowerSyncJob`` does it once a day in whichever ``serve``
process claims the day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bots.line.client import LineClient
from bots.line.errors import LineApiError, error_message, translate
from bots.line.insight import LINE_DAY
from core.clock import Clock
from core.storage.database import Database
from core.storage.defaults import Defaults
from core.storage.followers import LineFollowers
from core.storage.insight import PlatformInsight

log = logging.getLogger("haishin.line")

FOLLOWERS_PATH = "/v2/bot/followers/ids"
PAGE = 1000  # the most /v2/bot/followers/ids lists at once
FRESH = timedelta(days=3)  # an older friend count is not trusted for an estimate
ASK_AGAIN = timedelta(hours=1)  # after LINE had no count ready
SYNC_FIRST = 120.0  # seconds after start-up before the first daily sync
SYNC_CHECK = 3600.0  # seconds between looks at whether today's sync is done
NOT_VERIFIED = (
    "LINE refuses to list this account's friends (HTTP 403: {said}). Only verified and "
    "premium LINE Official Accounts may use /v2/bot/followers/ids. haishin still reaches "
    "every friend: by broadcast, or by a narrowcast that leaves out the readers it knows; "
    "it just can't name friends who never wrote to the bot."
)


class FollowersRefused(Exception):
    """LINE won't list the account's friends (not a verified or premium account)."""


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a followers sync did."""

    listed: int
    added: int
    pages: int


async def sync_followers(client: LineClient, followers: LineFollowers) -> SyncReport:
    """Page through ``/v2/bot/followers/ids`` and record the friends not known yet.

    Raises:
        FollowersRefused: LINE answered 403 (the account is neither verified nor premium).
        DeliveryError: any other failure (retryable for 429/5xx/network).
    """
    start: str | None = None
    listed = added = pages = 0
    while True:
        try:
            answer = await client.get(FOLLOWERS_PATH, start=start, limit=PAGE)
        except LineApiError as exc:
            if exc.status == 403:
                raise FollowersRefused(NOT_VERIFIED.format(said=error_message(exc))) from exc
            raise translate(exc, "followers list") from exc
        except Exception as exc:
            raise translate(exc, "followers list") from exc
        pages += 1
        user_ids = [str(user) for user in answer.get("userIds") or []]
        listed += len(user_ids)
        added += await followers.add_known(user_ids)
        start = answer.get("next")
        if not start:
            return SyncReport(listed, added, pages)


class FriendCount:
    """How many friends a broadcast reaches, from LINE's insight (None when unknown).

    Args:
        fetch_day: asks LINE for one day's counts and stores them (``LineInsight``).
        db / clock: where counts are kept, and the time.
    """

    def __init__(
        self, fetch_day: Callable[[date], Awaitable[bool]], db: Database, *, clock: Clock
    ) -> None:
        self._fetch_day = fetch_day
        self._store = PlatformInsight(db, clock=clock)
        self._clock = clock
        self._asked_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def estimate(self) -> int | None:
        """Friends ever added minus those blocking, as LINE counted them lately."""
        today = self._clock.now().astimezone(LINE_DAY).date()
        since = today - FRESH
        latest = await self._store.latest_followers("line", since)
        if latest is None:
            async with self._lock:
                now = self._clock.now()
                if self._asked_at is None or now - self._asked_at >= ASK_AGAIN:
                    self._asked_at = now
                    for back in (1, 2):
                        if await self._fetch_day(today - timedelta(days=back)):
                            break
                latest = await self._store.latest_followers("line", since)
        if latest is None or latest[1] is None:
            return None
        return max(0, latest[1] - (latest[2] or 0))


class FollowerSyncJob:
    """Syncs the friends once a day, in one ``serve`` process (the one claiming the day).

    Args:
        client: the channel's client.
        db / clock: storage and time.
        first / every: seconds before the first look, and between looks.
    """

    def __init__(
        self,
        client: LineClient,
        db: Database,
        *,
        clock: Clock,
        first: float = SYNC_FIRST,
        every: float = SYNC_CHECK,
    ) -> None:
        self.client = client
        self.followers = LineFollowers(db, clock=clock)
        self.defaults = Defaults(db, clock=clock)
        self.clock = clock
        self.first = first
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Look in the background, the first time ``first`` seconds from now."""
        self._task = asyncio.create_task(self._loop(), name="line-followers-sync")

    async def stop(self) -> None:
        """Stop looking."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> SyncReport | None:
        """Sync unless another process (or this one) did today; None when not run."""
        day = self.clock.now().astimezone(LINE_DAY).date()
        if not await self.defaults.claim_once(f"line followers sync {day.isoformat()}"):
            return None
        try:
            report = await sync_followers(self.client, self.followers)
        except FollowersRefused as exc:
            log.info("%s Tried again tomorrow.", exc)
            return None
        except Exception as exc:
            log.warning("LINE followers sync failed: %s; tried again tomorrow", exc)
            return None
        log.info(
            "LINE followers sync: %d friends listed, %d new to haishin", report.listed, report.added
        )
        return report

    async def _loop(self) -> None:
        await asyncio.sleep(self.first)
        while True:
            with contextlib.suppress(Exception):
                await self.run_once()
            await asyncio.sleep(self.every)
