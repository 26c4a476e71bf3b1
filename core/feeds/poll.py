"""One poll of one feed: lease, conditional GET, parse, store, record, schedule the next.

The network is a port (``WebSource``); ``bots.feeds`` provides the HTTP one. Every failure is
caught here and becomes the feed's recorded status (``error`` with its message), followed by a
backoff: a broken feed never raises into the caller, so it can't stop the service or the
other feeds. Validators (``ETag``/``Last-Modified``) are kept only when every entry was read,
so an entry that failed is tried again on the next poll instead of hiding behind a 304.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from core.clock import Clock
from core.errors import ContentError
from core.feeds.backoff import Backoff
from core.feeds.config import FeedConfig
from core.feeds.document import parse_feed
from core.feeds.ports import FetchError, WebSource
from core.feeds.sync import EntryOutcome, EntrySync
from core.profile import Profile
from core.storage.database import Database
from core.storage.feeds import FeedRepository

PollStatus = Literal["ok", "not-modified", "error"]
log = logging.getLogger("haishin.feeds")


@dataclass(frozen=True, slots=True)
class FeedReport:
    """The result of one poll of one feed."""

    url: str
    status: PollStatus
    polled_at: datetime
    next_poll_at: datetime
    entries: tuple[EntryOutcome, ...] = ()
    error: str | None = None
    title: str | None = None
    first_poll: bool = False
    failures: int = 0
    warnings: tuple[str, ...] = field(default=())

    def count(self, status: str) -> int:
        """How many entries ended with this status (``new``, ``revised``, ``error``…)."""
        return sum(1 for entry in self.entries if entry.status == status)

    @property
    def ok(self) -> bool:
        """True when the feed and every entry were read."""
        return self.status != "error" and not self.count("error")


class FeedPoll:
    """Polls feeds into the issue store (see the module docstring).

    Args:
        db: the migrated database.
        profile: the newsletter profile entries are parsed with.
        config: the profile's ``[feed]`` settings.
        source: fetches feeds and pages.
        clock: the time polls are stamped and scheduled with.
        owner: this process's name for the poll lease (several ``serve`` processes).
        backoff: the retry policy after failures.
        spread: the random source for backoff jitter (tests pin it).
    """

    def __init__(
        self,
        *,
        db: Database,
        profile: Profile,
        config: FeedConfig,
        source: WebSource,
        clock: Clock,
        owner: str,
        backoff: Backoff | None = None,
        spread: Callable[[], float] = random.random,
    ) -> None:
        self._config = config
        self._source = source
        self._clock = clock
        self._owner = owner
        self._backoff = backoff or Backoff()
        self._spread = spread
        self._feeds = FeedRepository(db, clock=clock)
        self._entries = EntrySync(db=db, profile=profile, config=config, source=source, clock=clock)

    @property
    def config(self) -> FeedConfig:
        """The feed settings this poll uses."""
        return self._config

    async def poll(self, url: str, *, due_only: bool = False) -> FeedReport | None:
        """Poll one feed now.

        Args:
            url: the feed.
            due_only: skip the feed unless its next poll is due (the service's loop).

        Returns:
            The poll's report; None when the feed was skipped (not due, or another process
            is polling it right now).
        """
        now = self._clock.now()
        lease = now + timedelta(seconds=self._config.timeout * 10) + timedelta(minutes=5)
        if not await self._feeds.claim(
            url, owner=self._owner, until=lease, now=now, due_only=due_only
        ):
            return None
        try:
            return await self._poll(url, now)
        except Exception as exc:  # a bug, say: this feed fails and backs off, nothing else
            log.exception("polling %s failed unexpectedly", url)
            state = await self._feeds.state(url)
            failures = state.failures if state else 0
            return await self._failed(url, now, f"{type(exc).__name__}: {exc}", failures, None)
        finally:
            await self._feeds.release(url, owner=self._owner)

    async def _poll(self, url: str, now: datetime) -> FeedReport:
        state = await self._feeds.state(url)
        assert state is not None  # claim() created it
        first_poll = not state.initialized
        try:
            fetched = await self._source.feed(
                url, etag=state.etag, last_modified=state.last_modified
            )
        except FetchError as exc:
            return await self._failed(url, now, exc.message, state.failures, exc.retry_after)
        if fetched.not_modified:
            next_poll = now + self._config.interval
            await self._feeds.record_poll(
                url, now=now, status="not-modified", next_poll_at=next_poll
            )
            return FeedReport(url, "not-modified", now, next_poll, title=state.title)
        try:
            document = parse_feed(fetched.body, url=url, content_type=fetched.content_type)
        except ContentError as exc:
            message = exc.message + (f" ({exc.hint})" if exc.hint else "")
            return await self._failed(url, now, message, state.failures, None)
        outcomes = await self._entries.store(url, document, first_poll=first_poll)
        failed = [o for o in outcomes if o.status == "error"]
        summary = None
        if failed:
            summary = f"{len(failed)} of {len(outcomes)} entries failed; first: {failed[0].error}"
        next_poll = now + self._config.interval
        await self._feeds.record_poll(
            url,
            now=now,
            status="ok",
            next_poll_at=next_poll,
            error=summary,
            title=document.title,
            validators=(None, None) if failed else (fetched.etag, fetched.last_modified),
        )
        return FeedReport(
            url,
            "ok",
            now,
            next_poll,
            entries=tuple(outcomes),
            error=summary,
            title=document.title,
            first_poll=first_poll,
            warnings=(document.warning,) if document.warning else (),
        )

    async def _failed(
        self, url: str, now: datetime, message: str, failures: int, retry_after: float | None
    ) -> FeedReport:
        delay = self._backoff.delay(
            failures + 1,
            interval=self._config.interval,
            retry_after=retry_after,
            spread=self._spread(),
        )
        count = await self._feeds.record_poll(
            url, now=now, status="error", next_poll_at=now + delay, error=message
        )
        return FeedReport(url, "error", now, now + delay, error=message, failures=count)
