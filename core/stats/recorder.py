"""``StatsRecorder``: counts what readers do, off the answer path, and writes it in batches.

A handler tells the recorder what it answered (``answered``) or that a friend came or went
(``follower``); the recorder adds one to a counter in memory, at once and without I/O, and
every ``write_behind`` seconds the counters gathered go to the store in one transaction. A
crash loses at most those seconds of counts; no answer ever waits for a write.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from core.clock import Clock
from core.model import Reply
from core.stats.model import (
    ISSUE_WIDE,
    FollowerCounts,
    FollowerEvent,
    How,
    SearchCounts,
    SearchKey,
    SectionCounts,
    SectionKey,
    StatsBatch,
    normalize_query,
)
from core.stats.ports import StatsStore
from core.storage.health import WriteHealth

log = logging.getLogger("haishin.stats")
STATS_WRITER = "reading stats"


class StatsObserver:
    """Told of every count as it is made (Prometheus counters); the default does nothing."""

    def read(self, platform: str, section: str, kind: str) -> None:
        """A section (or, with ``ISSUE_WIDE``, an issue) was read: ``opened``, ``asked``
        or ``page``."""

    def searched(self, platform: str, found: bool) -> None:
        """Someone searched; ``found`` is False when nothing matched."""

    def follower(self, platform: str, event: FollowerEvent) -> None:
        """A friend came or went."""


class StatsRecorder:
    """Aggregates reading events into counters and writes them behind the answers.

    Args:
        store: where batches go.
        clock: the time a count belongs to.
        zone: the newsletter's time zone (a count's day is its day there).
        keep_days: days of counts kept; 0 turns counting off altogether.
        write_behind: seconds counts wait before they are written together.
        observer: told of each count as it happens.
        health: where failed writes are reported (one log line per outage; None: each is
            logged with its traceback).
    """

    def __init__(
        self,
        store: StatsStore,
        *,
        clock: Clock,
        zone: ZoneInfo,
        keep_days: int,
        write_behind: float = 1.0,
        observer: StatsObserver | None = None,
        health: WriteHealth | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._zone = zone
        self.keep_days = keep_days
        self._write_behind = write_behind
        self._observer = observer or StatsObserver()
        self._health = health
        self._batch = StatsBatch()
        self._writer: asyncio.Task[None] | None = None
        self._writing = asyncio.Lock()
        self._pruned: date | None = None
        self.writes = 0  # transactions written (for tests and benchmarks)

    @property
    def enabled(self) -> bool:
        """False when the profile keeps no stats (``stats_days = 0``)."""
        return self.keep_days > 0

    # ---- what handlers call (synchronous: a dictionary update, never I/O) ------------------

    def answered(self, platform: str, reply: Reply | None, how: How) -> None:
        """Count an answer: a section or issue opened by a button, asked for in words, a
        page past the first, or a search. Shares, help and the like are not counted."""
        if not self.enabled or reply is None or how == "shared":
            return
        args = reply.args
        if reply.intent == "search" and "query" in args:
            self._search(platform, args["query"], int(args.get("hits", "0") or 0))
            return
        number = _number(args.get("issue"))
        if number is None:
            return
        if reply.intent == "section" and reply.posts and args.get("section"):
            first = int(args.get("first", "1") or 1)
            kind = "page" if first > 1 else ("opened" if how == "pressed" else "asked")
            self._read(platform, number, args["section"], kind)
        elif reply.intent == "digest":
            self._read(platform, number, ISSUE_WIDE, "opened" if how == "pressed" else "asked")

    def follower(self, platform: str, event: FollowerEvent) -> None:
        """Count a friend who came (``follow``), blocked (``unfollow``) or came back."""
        if not self.enabled:
            return
        counts = self._batch.followers.setdefault((self._today(), platform), FollowerCounts())
        if event == "follow":
            counts.follows += 1
        elif event == "unfollow":
            counts.unfollows += 1
        else:
            counts.unblocks += 1
        self._observer.follower(platform, event)
        self._schedule()

    # ---- writing --------------------------------------------------------------------------

    async def flush(self) -> None:
        """Write what was counted so far, in one transaction (after any write under way);
        the first write of a day also forgets the days past the retention."""
        async with self._writing:
            batch, self._batch = self._batch, StatsBatch()
            if not batch:
                return
            try:
                await self._store.add(batch)
                self.writes += 1
            except BaseException:
                batch.merge(self._batch)  # keep what came in meanwhile too
                self._batch = batch
                raise
            await self.prune_if_due()

    async def prune_if_due(self) -> int:
        """Forget days past ``keep_days`` (at most once a day); how many rows went."""
        today = self._today()
        if self._pruned == today:
            return 0
        # keep_days 0 keeps nothing: what an earlier setting kept goes too.
        removed = await self._store.prune(today - timedelta(days=max(self.keep_days, 1) - 1))
        self._pruned = today
        if removed:
            log.info(
                "reading stats: %d row(s) older than %d days forgotten", removed, self.keep_days
            )
        return removed

    async def close(self) -> None:
        """Write what waits (at shutdown)."""
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()
        await self.flush()

    # ---- inside ---------------------------------------------------------------------------

    def _read(self, platform: str, issue: int, section: str, kind: str) -> None:
        key = SectionKey(self._today(), issue, section, platform)
        counts = self._batch.sections.get(key)
        if counts is None:
            counts = self._batch.sections[key] = SectionCounts()
        if kind == "opened":
            counts.opened += 1
        elif kind == "asked":
            counts.asked += 1
        else:
            counts.pages += 1
        self._observer.read(platform, section, kind)
        self._schedule()

    def _search(self, platform: str, query: str, hits: int) -> None:
        normalized = normalize_query(query)
        if not normalized:
            return
        key = SearchKey(self._today(), platform, normalized)
        counts = self._batch.searches.setdefault(key, SearchCounts())
        counts.count += 1
        counts.hits = hits
        self._observer.searched(platform, hits > 0)
        self._schedule()

    def _today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    def _schedule(self) -> None:
        if self._writer is not None and not self._writer.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # counted outside a loop (a test); the next flush writes it
        self._writer = loop.create_task(self._write_soon(), name="stats-writes")

    async def _write_soon(self) -> None:
        pause = self._write_behind
        while self._batch:
            await asyncio.sleep(pause)
            pause = self._write_behind
            try:
                await self.flush()
            except Exception as exc:
                if self._health is None:
                    log.exception("reading stats not written; trying again")
                else:  # one line per outage, and pauses that grow
                    pause = max(pause, self._health.failed(STATS_WRITER, exc))
            else:
                if self._health is not None:
                    self._health.succeeded(STATS_WRITER)


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
