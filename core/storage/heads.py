"""Which revision of which issue answers a reader, known without reading any document.

An issue's *head* is its row in ``issues``: id, number, current revision and publication
times. Heads come from one indexed query (``issues.number`` is unique, ``issues.date`` is
indexed); the issue itself, the JSON document of that revision, is decoded once per
(id, revision) and kept (see ``core.storage.library``).

Writers in this process announce a change with ``changed(db)`` once it is committed, so a
cached head is dropped at once; another process's change is seen once a head is older than
the reader's ``fresh_for`` window.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select

from core.model import MAX_ISSUE_NUMBER
from core.storage.database import Database
from core.storage.models import IssueRow

_GENERATIONS: defaultdict[str, int] = defaultdict(int)


def database_key(db: Database) -> str:
    """The identity of a database across the ``Database`` objects of one process."""
    return db.url.render_as_string(hide_password=True)


def changed(key: str) -> None:
    """Say that issues of the database ``key`` changed (call after the commit)."""
    _GENERATIONS[key] += 1


def generation(key: str) -> int:
    """How many changes this process has announced for the database ``key``."""
    return _GENERATIONS[key]


def is_visible(
    published_at: datetime | None, publish_at: datetime | None, held: str | None, now: datetime
) -> bool:
    """The one rule of who sees what: readers see an issue once it is published, or once it
    is due (no time, or its time has come) unless it is held (a draft, a removed file, a
    cancelled issue)."""
    if published_at is not None:
        return True
    return held is None and (publish_at is None or publish_at <= now)


def visible_clause(now: datetime) -> ColumnElement[bool]:
    """``is_visible`` as a WHERE condition on ``issues``."""
    return or_(
        IssueRow.published_at.is_not(None),
        and_(
            IssueRow.held.is_(None),
            or_(IssueRow.publish_at.is_(None), IssueRow.publish_at <= now),
        ),
    )


@dataclass(frozen=True, slots=True)
class IssueHead:
    """An issue's identity, current revision and publication state."""

    id: int
    number: int
    revision: int
    publish_at: datetime | None
    published_at: datetime | None
    held: str | None = None

    def visible_at(self, now: datetime) -> bool:
        """True when readers may see the issue at ``now`` (see ``is_visible``)."""
        return is_visible(self.published_at, self.publish_at, self.held, now)


_COLUMNS = (
    IssueRow.id,
    IssueRow.number,
    IssueRow.revision,
    IssueRow.publish_at,
    IssueRow.published_at,
    IssueRow.held,
)


_HeadQuery = Select[int, int, int, datetime | None, datetime | None, str | None]


class IssueHeads:
    """Heads by recency, number or date: one indexed query each, on a read-only connection."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def latest(self, now: datetime | None) -> IssueHead | None:
        """The newest issue visible at ``now`` (None: the newest of all)."""
        query = select(*_COLUMNS).order_by(IssueRow.number.desc()).limit(1)
        if now is not None:
            query = query.where(visible_clause(now))
        return await self._one(query)

    async def by_number(self, number: int) -> IssueHead | None:
        """The issue with this number."""
        if not 1 <= number <= MAX_ISSUE_NUMBER:
            return None  # no such issue, and beyond what the database's INTEGER holds
        return await self._one(select(*_COLUMNS).where(IssueRow.number == number))

    async def by_date(self, day: date) -> IssueHead | None:
        """The highest-numbered issue of this date."""
        query = select(*_COLUMNS).where(IssueRow.date == day)
        return await self._one(query.order_by(IssueRow.number.desc()).limit(1))

    async def _one(self, query: _HeadQuery) -> IssueHead | None:
        async with self.db.reading() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        issue_id, number, revision, publish_at, published_at, held = row
        return IssueHead(issue_id, number, revision, publish_at, published_at, held)
