"""The read side the command engine needs: stored issues, by number, date or recency.

``Library`` is a port: storage implements it over the database, ``InMemoryLibrary`` over a few
parsed issues (previews of a file, tests).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from core.model import Issue, IssueRef


@dataclass(frozen=True, slots=True)
class IssueRecord:
    """A stored issue: its content, revision and whether readers may see it yet."""

    issue: Issue
    revision: int = 1
    published: bool = True


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One item that matched a search."""

    issue: IssueRef
    section_key: str
    section_title: str
    item: int
    item_title: str | None
    snippet: str


class Library(ABC):
    """Stored issues as readers may see them (published ones, unless said otherwise)."""

    @abstractmethod
    async def latest(self, now: datetime) -> IssueRecord | None:
        """The newest issue published by ``now``."""

    @abstractmethod
    async def get(self, number: int) -> IssueRecord | None:
        """The issue with this number."""

    @abstractmethod
    async def by_date(self, day: date) -> IssueRecord | None:
        """The issue of this date."""

    @abstractmethod
    async def recent(self, limit: int, now: datetime) -> Sequence[IssueRef]:
        """The newest published issues, newest first."""

    @abstractmethod
    async def search(self, query: str, *, limit: int = 10) -> Sequence[SearchHit]:
        """Items whose title or text contains the query."""


class InMemoryLibrary(Library):
    """A library over issues held in memory, numbered as given (or by date order)."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        ordered = sorted(issues, key=lambda i: (i.date or date.min, i.number or 0))
        self._records: list[IssueRecord] = []
        for position, issue in enumerate(ordered, start=1):
            if issue.number is None:
                issue = replace(issue, number=position)
            self._records.append(IssueRecord(issue=issue))

    async def latest(self, now: datetime) -> IssueRecord | None:
        return self._records[-1] if self._records else None

    async def get(self, number: int) -> IssueRecord | None:
        return next((r for r in self._records if r.issue.number == number), None)

    async def by_date(self, day: date) -> IssueRecord | None:
        return next((r for r in self._records if r.issue.date == day), None)

    async def recent(self, limit: int, now: datetime) -> Sequence[IssueRef]:
        return [r.issue.ref for r in reversed(self._records)][:limit]

    async def search(self, query: str, *, limit: int = 10) -> Sequence[SearchHit]:
        needle = query.casefold()
        hits: list[SearchHit] = []
        for record in reversed(self._records):
            for section in record.issue.sections:
                for index, item in enumerate(section.items):
                    haystack = f"{item.title or ''}\n{item.text}"
                    at = haystack.casefold().find(needle)
                    if at >= 0:
                        snippet = haystack[max(0, at - 30) : at + len(query) + 50]
                        hits.append(
                            SearchHit(
                                issue=record.issue.ref,
                                section_key=section.key,
                                section_title=section.title,
                                item=index,
                                item_title=item.title,
                                snippet=" ".join(snippet.split()),
                            )
                        )
        return hits[:limit]
