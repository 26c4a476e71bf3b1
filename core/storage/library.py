"""The command engine's ``Library`` port, served from the database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from cachetools import LRUCache

from core.clock import Clock, SystemClock
from core.library import IssueRecord, Library, SearchHit
from core.model import Issue, IssueRef
from core.storage.database import Database
from core.storage.heads import IssueHead, IssueHeads, database_key, generation
from core.storage.issues import IssueRepository

DOCUMENTS_MAX = 32  # decoded issues kept (readers ask for the latest few)
CHECKED_MAX = 1024  # remembered heads (numbers and dates people asked for)


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """One line of ``haishin issues``: an issue and its state.

    ``published`` is True once readers can see it (it was published, or is due by now);
    ``sections`` are the section keys in the issue's order.
    """

    number: int
    date: date | None
    title: str | None
    sections: tuple[str, ...]
    revision: int
    corrected: bool
    published: bool
    publish_at: datetime | None
    published_at: datetime | None
    back_catalogue: bool
    held: str | None = None  # draft, removed or cancelled: see IssueRow.held
    source_key: str = ""
    lead: str | None = None  # the first item headline: what an untitled issue leads with


class DatabaseLibrary(Library):
    """Stored issues as readers may see them: an issue is hidden until it is due.

    Answering a reader costs one indexed query of ``issues`` (see ``core.storage.heads``),
    or none when the same question was checked within ``fresh_for`` seconds; the issue's
    document is decoded once per revision and kept. A store or publication in this process
    is seen at once; another process's within ``fresh_for`` seconds.

    Args:
        db: the database.
        clock: decides what is due; pass the same clock the command engine has.
        include_unpublished: show issues before they are due (an editor's preview).
        fresh_for: seconds a checked head answers again without a query (0: always check).
        monotonic: the real-time clock of that window.
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock | None = None,
        include_unpublished: bool = False,
        fresh_for: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock or SystemClock()
        self.issues = IssueRepository(db, clock=self._clock)
        self.heads = IssueHeads(db)
        self._include_unpublished = include_unpublished
        self._fresh_for = fresh_for
        self._monotonic = monotonic
        self._db_key = database_key(db)
        self._checked: dict[tuple[object, ...], _Checked] = {}
        # LRU: readers keep asking for the latest few issues; an old one asked once goes first.
        self._documents: LRUCache[int, tuple[int, Issue]] = LRUCache(DOCUMENTS_MAX)
        self._inflight: dict[tuple[object, ...], asyncio.Future[IssueHead | None]] = {}

    async def latest(self, now: datetime) -> IssueRecord | None:
        if self._include_unpublished:
            head = await self._head(("latest", None), now, lambda: self.heads.latest(None))
        else:
            head = await self._head(("latest",), now, lambda: self.heads.latest(now))
        return await self._record(head, now)

    async def get(self, number: int) -> IssueRecord | None:
        now = self._clock.now()
        head = await self._head(("number", number), now, lambda: self.heads.by_number(number))
        return await self._record(head, now)

    async def by_date(self, day: date) -> IssueRecord | None:
        now = self._clock.now()
        head = await self._head(("date", day), now, lambda: self.heads.by_date(day))
        return await self._record(head, now)

    async def recent(self, limit: int, now: datetime) -> Sequence[IssueRef]:
        return [stored.ref for stored in await self.issues.recent(limit, now)]

    async def search(self, query: str, *, limit: int = 10) -> Sequence[SearchHit]:
        now = None if self._include_unpublished else self._clock.now()
        hits = await self.issues.search(query, limit=limit, now=now)
        return [
            SearchHit(
                issue=hit.ref,
                section_key=hit.section_key,
                section_title=hit.section_title,
                item=hit.item,
                item_title=hit.item_title,
                snippet=hit.snippet,
            )
            for hit in hits
        ]

    async def catalogue(self, now: datetime) -> list[CatalogueEntry]:
        """Every stored issue, published or not, in number order (for editors)."""
        return [
            CatalogueEntry(
                number=stored.number,
                date=stored.issue.date,
                title=stored.issue.title,
                sections=tuple(section.key for section in stored.issue.sections),
                revision=stored.revision,
                corrected=stored.corrected,
                published=stored.visible_at(now),
                publish_at=stored.publish_at,
                published_at=stored.published_at,
                back_catalogue=stored.back_catalogue,
                held=stored.held,
                source_key=stored.source_key,
                lead=next(
                    (item.title for s in stored.issue.sections for item in s.items if item.title),
                    None,
                ),
            )
            for stored in await self.issues.all_issues()
        ]

    async def _head(
        self,
        key: tuple[object, ...],
        now: datetime,
        fetch: Callable[[], Awaitable[IssueHead | None]],
    ) -> IssueHead | None:
        generation_now = generation(self._db_key)
        if self._fresh_for > 0:
            seen = self._checked.get(key)
            if seen is not None and seen.still_fresh(
                generation_now, self._monotonic(), now, self._fresh_for
            ):
                return seen.head
            # Readers arriving together while the head is being checked share that query.
            waiting = self._inflight.get(key)
            if waiting is not None:
                return await asyncio.shield(waiting)
        task = asyncio.ensure_future(fetch())
        if self._fresh_for > 0:
            self._inflight[key] = task
        try:
            head = await asyncio.shield(task)
        finally:
            if self._inflight.get(key) is task:
                del self._inflight[key]
        if self._fresh_for > 0:
            if len(self._checked) >= CHECKED_MAX:
                self._checked.clear()
            self._checked[key] = _Checked(head, self._monotonic(), now, generation_now)
        return head

    async def _record(self, head: IssueHead | None, now: datetime) -> IssueRecord | None:
        if head is None:
            return None
        visible = head.visible_at(now)
        if not visible and not self._include_unpublished:
            return None
        kept = self._documents.get(head.id)
        if kept is not None and kept[0] == head.revision:
            revision, issue = kept
        else:
            stored = await self.issues.get_by_id(head.id)
            if stored is None:  # deleted since the head was read
                return None
            revision, issue = stored.revision, stored.issue
            self._documents[head.id] = (revision, issue)
        return IssueRecord(issue=issue, revision=revision, published=visible)


@dataclass(frozen=True, slots=True)
class _Checked:
    """A head as a query returned it, and when (real time, the clock's time, generation)."""

    head: IssueHead | None
    at: float
    now: datetime
    generation: int

    def still_fresh(self, generation: int, at: float, now: datetime, window: float) -> bool:
        return (
            generation == self.generation
            and at - self.at < window
            and abs((now - self.now).total_seconds()) < window
        )
