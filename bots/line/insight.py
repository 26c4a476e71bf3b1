"""LINE's own numbers, fetched after LINE has counted them and stored beside ours.

- For each broadcast (or narrowcast) in the delivery ledger: the message event statistics
  (``/v2/bot/insight/message/event?requestId=…``: delivered, unique opens, clicks per URL).
  LINE counts them once a day, so they are first asked for a day after the send, then
  once a day again while LINE keeps them (14 days), as opens keep coming.
- Every day's friend counts (``/v2/bot/insight/followers?date=…``, LINE's days are in
  UTC+9): asked for once the day is over, again while LINE says ``unready``.

``run_once`` does one round; ``start`` runs the first a minute after start-up (the
service settles first) and then one every ``interval`` seconds. Failures are logged and
retried in a later round; nothing here touches answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bots.line.client import LineClient
from bots.line.errors import LineApiError
from core.clock import Clock
from core.storage.database import Database
from core.storage.health import log_failure
from core.storage.insight import MessageNumbers, PlatformInsight

log = logging.getLogger("haishin.line")

FIRST_FETCH = timedelta(days=1)  # LINE counts a message's events once a day
REFETCH = timedelta(days=1)
KEPT = timedelta(days=14)  # how long after a send LINE has its statistics
RETRY = timedelta(hours=1)  # after a failure (429, 5xx, network)
FOLLOWER_DAYS = 7  # how far back missing friend counts are asked for
INTERVAL = 600.0  # seconds between rounds
FIRST_ROUND = 60.0  # seconds after start-up
LINE_DAY = ZoneInfo("Asia/Tokyo")  # LINE's insight dates are in UTC+9
SENT_REFS = ("line:broadcast:", "line:narrowcast:")
MESSAGE_EVENT_PATH = "/v2/bot/insight/message/event"
FOLLOWERS_PATH = "/v2/bot/insight/followers"


@dataclass
class Round:
    """What one round did."""

    tracked: int = 0
    fetched: int = 0
    follower_days: int = 0
    failures: int = 0


class LineInsight:
    """Fetches LINE's insight for our sends and our friends.

    Args:
        client: the channel's client.
        db: where the numbers go.
        clock: the time.
        interval: seconds between rounds.
    """

    def __init__(
        self, client: LineClient, db: Database, *, clock: Clock, interval: float = INTERVAL
    ) -> None:
        self.client = client
        self.store = PlatformInsight(db, clock=clock)
        self.clock = clock
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Run rounds in the background, the first ``FIRST_ROUND`` seconds from now."""
        self._task = asyncio.create_task(self._loop(), name="line-insight")

    async def stop(self) -> None:
        """Stop the rounds."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        await asyncio.sleep(FIRST_ROUND)
        while True:
            try:
                await self.run_once()
            except Exception as exc:
                log_failure(log, exc, "LINE insight round failed; trying again later")
            await asyncio.sleep(self.interval)

    async def run_once(self) -> Round:
        """Track new sends, fetch what is due, fetch missing friend counts."""
        done = Round()
        now = self.clock.now()
        for prefix in SENT_REFS:
            done.tracked += await self.store.track_sends(
                "line", prefix, since=now - KEPT, first_fetch=FIRST_FETCH
            )
        for send in await self.store.due("line", now):
            numbers, again = await self._message(send.request_id, send.sent_at, now)
            if numbers is not None:
                done.fetched += 1
            elif again is not None:
                done.failures += 1
            await self.store.record("line", send.request_id, numbers, next_fetch_at=again)
        done.follower_days = await self._followers(now, done)
        return done

    async def _message(
        self, request_id: str, sent_at: datetime, now: datetime
    ) -> tuple[MessageNumbers | None, datetime | None]:
        later = now + REFETCH if now + REFETCH < sent_at + KEPT else None
        try:
            answer = await self.client.get(MESSAGE_EVENT_PATH, requestId=request_id)
        except LineApiError as exc:
            if exc.status == 429 or exc.status >= 500:
                log.info("LINE insight of %s: HTTP %s; asked again later", request_id, exc.status)
                return None, now + RETRY
            log.warning(
                "LINE has no insight for %s (HTTP %s); not asked again", request_id, exc.status
            )
            return None, None
        except (TimeoutError, OSError, Exception) as exc:  # the network: try again
            log.info("LINE insight of %s failed: %s; asked again later", request_id, exc)
            return None, now + RETRY
        overview = answer.get("overview") or {}
        clicks = [
            {"url": c["url"], "click": c.get("click"), "uniqueClick": c.get("uniqueClick")}
            for c in answer.get("clicks") or []
            if c.get("url")
        ]
        impressions = [m.get("impression") for m in answer.get("messages") or []]
        numbers = MessageNumbers(
            delivered=_int(overview.get("delivered")),
            impressions=_sum(impressions),
            unique_impressions=_int(overview.get("uniqueImpression")),
            unique_clicks=_int(overview.get("uniqueClick")),
            clicks=clicks,
        )
        return numbers, later

    async def _followers(self, now: datetime, done: Round) -> int:
        yesterday = now.astimezone(LINE_DAY).date() - timedelta(days=1)
        first = yesterday - timedelta(days=FOLLOWER_DAYS - 1)
        have = await self.store.follower_days("line", first, yesterday)
        fetched = 0
        day = first
        while day <= yesterday:
            if day not in have:
                if await self._follower_day(day):
                    fetched += 1
                else:
                    done.failures += 1
            day += timedelta(days=1)
        return fetched

    async def fetch_follower_day(self, day: date) -> bool:
        """Ask LINE for one day's friend counts and keep them; True once they are ready."""
        return await self._follower_day(day)

    async def _follower_day(self, day: date) -> bool:
        try:
            answer = await self.client.get(FOLLOWERS_PATH, date=day.strftime("%Y%m%d"))
        except Exception as exc:
            log.info("LINE friend counts of %s not fetched: %s", day, exc)
            return False
        status = str(answer.get("status") or "unready")
        await self.store.record_followers(
            "line",
            day,
            status=status,
            followers=_int(answer.get("followers")),
            targeted_reaches=_int(answer.get("targetedReaches")),
            blocks=_int(answer.get("blocks")),
        )
        return status == "ready"


def _sum(values: list[Any]) -> int | None:
    known = [v for v in values if isinstance(v, int)]
    return sum(known) if known and len(known) == len(values) else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) else None
