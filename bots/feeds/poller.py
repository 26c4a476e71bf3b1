"""The feed poller that runs inside ``haishin serve``.

Every feed of the profile is polled when due (its own interval, or its backoff after
failures), all of them concurrently; each poll is isolated, so a feed that hangs, answers 500
or sends garbage delays no other feed and never stops the service. Between rounds the poller
waits until the earliest next poll, through an injected ``sleep`` (tests advance a clock
instead of waiting). Several ``serve`` processes share the work through the per-feed lease
in the database.

``await start()``/``await stop()`` are the service's lifespan hooks; ``await run()`` runs the
loop in the caller's task instead.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bots.feeds.guard import Resolver, system_resolver
from bots.feeds.http import HttpWebSource
from core.clock import Clock
from core.feeds.poll import FeedPoll, FeedReport
from core.profile import Profile
from core.storage.database import Database
from core.storage.feeds import FeedRepository
from core.storage.health import log_failure

log = logging.getLogger("haishin.feeds")
Sleep = Callable[[float], Awaitable[None]]
MIN_WAIT = timedelta(seconds=5)


class FeedPoller:
    """Polls the profile's feeds on their schedule (see the module docstring).

    Args:
        poll: polls one feed into the store.
        urls: the feeds to follow.
        db: the database the schedule is read from.
        clock: the time the schedule is compared with.
        sleep: how to wait between rounds (``asyncio.sleep`` in production).
        source: closed on ``stop()``.
    """

    def __init__(
        self,
        poll: FeedPoll,
        *,
        urls: tuple[str, ...],
        db: Database,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        source: HttpWebSource | None = None,
    ) -> None:
        self._poll = poll
        self._urls = urls
        self._feeds = FeedRepository(db, clock=clock)
        self._clock = clock
        self._sleep = sleep
        self._source = source
        self._task: asyncio.Task[None] | None = None
        self._last: dict[str, dict[str, Any]] = {}

    @classmethod
    def build(
        cls,
        *,
        db: Database,
        profile: Profile,
        clock: Clock,
        resolver: Resolver = system_resolver,
        sleep: Sleep = asyncio.sleep,
    ) -> FeedPoller | None:
        """A poller for the profile's ``[feed]`` table; None when the profile names no feed."""
        config = profile.feed
        if config is None:
            return None
        source = HttpWebSource(config, resolver=resolver)
        poll = FeedPoll(
            db=db,
            profile=profile,
            config=config,
            source=source,
            clock=clock,
            owner=f"{socket.gethostname()}:{os.getpid()}",
        )
        return cls(poll, urls=config.urls, db=db, clock=clock, sleep=sleep, source=source)

    @property
    def status(self) -> dict[str, Any]:
        """Whether the loop runs, and what this process's last poll of each feed found."""
        running = self._task is not None and not self._task.done()
        return {"running": running, "feeds": dict(self._last)}

    async def poll_due(self) -> list[FeedReport]:
        """Poll every feed that is due, concurrently; never raises."""
        results = await asyncio.gather(
            *(self._poll_one(url) for url in self._urls), return_exceptions=False
        )
        return [report for report in results if report is not None]

    async def run(self) -> None:
        """Poll forever, waiting between rounds until the earliest feed is due."""
        log.info("following %d feed(s): %s", len(self._urls), ", ".join(self._urls))
        while True:
            await self.poll_due()
            await self._sleep(await self._wait())

    async def start(self) -> None:
        """Run the loop as a task of the running event loop (a lifespan startup hook)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name="feed-poller")

    async def stop(self) -> None:
        """Stop the loop (a poll in flight is cancelled) and close the HTTP client (a lifespan
        shutdown hook)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("the feed poller ended with an error")
        if self._source is not None:
            await self._source.aclose()

    async def _poll_one(self, url: str) -> FeedReport | None:
        try:
            report = await self._poll.poll(url, due_only=True)
        except Exception as exc:  # e.g. the database is down: logged, retried next round
            log_failure(log, exc, "polling %s failed", url)
            self._last[url] = {"status": "failing", "error": f"{type(exc).__name__}: {exc}"}
            return None
        if report is not None:
            self._last[url] = _summary(report)
            _log(report)
        return report

    async def _wait(self) -> float:
        interval = self._poll.config.interval
        try:
            states = {s.url: s for s in await self._feeds.states()}
        except Exception as exc:
            log_failure(log, exc, "reading the feed schedule failed")
            return interval.total_seconds()
        now = self._clock.now()
        due = [states[url].next_poll_at if url in states else None for url in self._urls]
        soonest = min((moment for moment in due if moment is not None), default=now + interval)
        wait = min(max(soonest - now, MIN_WAIT), interval)
        return wait.total_seconds()


def _summary(report: FeedReport) -> dict[str, Any]:
    return {
        "status": "failing" if report.status == "error" else report.status,
        "polled_at": report.polled_at.isoformat(),
        "next_poll": report.next_poll_at.isoformat(),
        "new": report.count("new"),
        "revised": report.count("revised"),
        "failed_entries": report.count("error"),
        "error": report.error,
    }


def _log(report: FeedReport) -> None:
    if report.status == "error":
        log.warning(
            "feed %s failed (%d in a row): %s; next try %s",
            report.url,
            report.failures,
            report.error,
            report.next_poll_at.isoformat(),
        )
    elif report.status == "ok":
        log.info(
            "feed %s: %d new, %d revised, %d failed entries%s",
            report.url,
            report.count("new"),
            report.count("revised"),
            report.count("error"),
            " (first poll: back catalogue)" if report.first_poll else "",
        )
