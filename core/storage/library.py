"""The command engine's ``Library`` port, served from the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from core.clock import Clock, SystemClock
from core.library import IssueRecord, Library, SearchHit
from core.model import IssueRef
from core.storage.database import Database
from core.storage.issues import IssueRepository, StoredIssue


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


class DatabaseLibrary(Library):
    """Stored issues as readers may see them: an issue is hidden until it is due.

    Args:
        db: the database.
        clock: decides what is due; pass the same clock the command engine has.
        include_unpublished: show issues before they are due (an editor's preview).
    """

    def __init__(
        self, db: Database, *, clock: Clock | None = None, include_unpublished: bool = False
    ) -> None:
        self._clock = clock or SystemClock()
        self.issues = IssueRepository(db, clock=self._clock)
        self._include_unpublished = include_unpublished

    async def latest(self, now: datetime) -> IssueRecord | None:
        if self._include_unpublished:
            everything = await self.issues.all_issues()
            return self._record(everything[-1], now) if everything else None
        return self._record(await self.issues.latest(now), now)

    async def get(self, number: int) -> IssueRecord | None:
        return self._record(await self.issues.get(number), self._clock.now())

    async def by_date(self, day: date) -> IssueRecord | None:
        return self._record(await self.issues.by_date(day), self._clock.now())

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
            )
            for stored in await self.issues.all_issues()
        ]

    def _record(self, stored: StoredIssue | None, now: datetime) -> IssueRecord | None:
        if stored is None:
            return None
        visible = stored.visible_at(now)
        if not visible and not self._include_unpublished:
            return None
        return IssueRecord(issue=stored.issue, revision=stored.revision, published=visible)
