"""Per-feed state: validators for conditional GET, the poll schedule and health, and entries.

``feeds`` holds one row per feed URL: the ``ETag``/``Last-Modified`` of the last document
fully processed, when it was polled and with what result, how many polls failed in a row,
when the next poll is due, and a lease so that only one of several ``haishin serve``
processes polls a feed at a time. ``feed_entries`` remembers every entry seen: the issue it
is stored as, the fingerprint of what the feed last said about it, and whether it is back
catalogue (it was already there on the feed's first poll).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Repository
from core.storage.models import Base

FEED_URL_MAX = 2000


class FeedRow(Base):
    """A followed feed and its polling state."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(FEED_URL_MAX), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(1000))
    last_modified: Mapped[str | None] = mapped_column(String(200))
    first_polled_at: Mapped[datetime | None]
    last_polled_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_poll_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FeedEntryRow(Base):
    """An entry seen in a feed, and the issue it became."""

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(FEED_URL_MAX))
    source_key: Mapped[str] = mapped_column(String(1000))
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    back_catalogue: Mapped[bool] = mapped_column(default=False, server_default=false())
    issue_number: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]


@dataclass(frozen=True, slots=True)
class FeedState:
    """What is known about a feed (``last_status``: ``ok``, ``not-modified`` or ``error``)."""

    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    first_polled_at: datetime | None
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_status: str | None
    last_error: str | None
    failures: int
    next_poll_at: datetime | None

    @property
    def initialized(self) -> bool:
        """True once a poll has read the feed: entries seen later are new issues."""
        return self.first_polled_at is not None


@dataclass(frozen=True, slots=True)
class EntryState:
    """An entry seen before: ``fingerprint`` is None until its issue was stored."""

    entry_key: str
    source_key: str
    fingerprint: str | None
    back_catalogue: bool
    issue_number: int | None
    last_error: str | None


class FeedRepository(Repository):
    """Feeds and their entries."""

    async def state(self, url: str) -> FeedState | None:
        """The state of one feed, or None before its first poll."""
        async with self._read() as session:
            row = await session.scalar(select(FeedRow).where(FeedRow.url == url))
        return None if row is None else _state(row)

    async def states(self) -> list[FeedState]:
        """Every feed ever polled, by URL."""
        async with self._read() as session:
            rows = (await session.scalars(select(FeedRow).order_by(FeedRow.url))).all()
        return [_state(row) for row in rows]

    async def claim(
        self, url: str, *, owner: str, until: datetime, now: datetime, due_only: bool
    ) -> bool:
        """Take the feed's lease for one poll; False if another process holds it (or, with
        ``due_only``, if its next poll is not due yet). Creates the feed's row when new."""
        insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
        conditions = [
            FeedRow.url == url,
            or_(
                FeedRow.lease_until.is_(None),
                FeedRow.lease_until <= now,
                FeedRow.lease_owner == owner,
            ),
        ]
        if due_only:
            conditions.append(or_(FeedRow.next_poll_at.is_(None), FeedRow.next_poll_at <= now))
        async with self._write() as session:
            await session.execute(
                insert(FeedRow)
                .values(url=url, failures=0, created_at=now, updated_at=now)
                .on_conflict_do_nothing(index_elements=["url"])
            )
            claimed = await session.execute(
                update(FeedRow)
                .where(*conditions)
                .values(lease_owner=owner, lease_until=until)
                .returning(FeedRow.id)
            )
            return claimed.first() is not None

    async def release(self, url: str, *, owner: str) -> None:
        """Give the lease back (only the owner's lease)."""
        async with self._write() as session:
            await session.execute(
                update(FeedRow)
                .where(FeedRow.url == url, FeedRow.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    async def entries(self, url: str) -> dict[str, EntryState]:
        """Every entry seen in the feed, by entry key."""
        query = (
            select(FeedEntryRow)
            .join(FeedRow, FeedRow.id == FeedEntryRow.feed_id)
            .where(FeedRow.url == url)
        )
        async with self._read() as session:
            rows = (await session.scalars(query)).all()
        return {row.entry_key: _entry(row) for row in rows}

    async def note_entries(
        self, url: str, entries: Iterable[tuple[str, str]], *, back_catalogue: bool, now: datetime
    ) -> None:
        """Remember entries (key, source key) seen for the first time."""
        values = [
            {"entry_key": key, "source_key": source, "back_catalogue": back_catalogue}
            for key, source in entries
        ]
        if not values:
            return
        insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
        async with self._write() as session:
            feed_id = await session.scalar(select(FeedRow.id).where(FeedRow.url == url))
            if feed_id is None:
                raise LookupError(f"feed {url} was never claimed")
            await session.execute(
                insert(FeedEntryRow)
                .values(
                    [
                        value | {"feed_id": feed_id, "first_seen_at": now, "updated_at": now}
                        for value in values
                    ]
                )
                .on_conflict_do_nothing(index_elements=["feed_id", "entry_key"])
            )

    async def record_entry(
        self,
        url: str,
        entry_key: str,
        *,
        now: datetime,
        fingerprint: str | None = None,
        issue_number: int | None = None,
        error: str | None = None,
    ) -> None:
        """Record an entry's outcome: stored (fingerprint, number) or failed (error)."""
        values: dict[str, Any] = {"last_error": error, "updated_at": now}
        if error is None:
            values |= {"fingerprint": fingerprint, "issue_number": issue_number}
        feed_id = select(FeedRow.id).where(FeedRow.url == url).scalar_subquery()
        async with self._write() as session:
            await session.execute(
                update(FeedEntryRow)
                .where(FeedEntryRow.feed_id == feed_id, FeedEntryRow.entry_key == entry_key)
                .values(**values)
            )

    async def record_poll(
        self,
        url: str,
        *,
        now: datetime,
        status: str,
        next_poll_at: datetime,
        error: str | None = None,
        title: str | None = None,
        validators: tuple[str | None, str | None] | None = None,
    ) -> int:
        """Record a poll's result and when the next one is due.

        Args:
            status: ``ok``, ``not-modified`` or ``error``.
            error: what went wrong (``error``), or what was only partly read (``ok``).
            validators: the new ``ETag``/``Last-Modified``; None keeps the stored ones, and
                ``(None, None)`` forgets them so that the next poll reads everything again.

        Returns:
            How many polls in a row have now failed.
        """
        async with self._write() as session:
            row = await session.scalar(select(FeedRow).where(FeedRow.url == url))
            if row is None:
                raise LookupError(f"feed {url} was never claimed")
            row.last_polled_at, row.last_status, row.last_error = now, status, error
            row.next_poll_at, row.updated_at = next_poll_at, now
            if status == "error":
                row.failures += 1
            else:
                row.failures = 0
                row.last_success_at = now
                row.first_polled_at = row.first_polled_at or now
                row.title = title or row.title
            if validators is not None:
                row.etag, row.last_modified = validators
            return row.failures


def _state(row: FeedRow) -> FeedState:
    return FeedState(
        url=row.url,
        title=row.title,
        etag=row.etag,
        last_modified=row.last_modified,
        first_polled_at=row.first_polled_at,
        last_polled_at=row.last_polled_at,
        last_success_at=row.last_success_at,
        last_status=row.last_status,
        last_error=row.last_error,
        failures=row.failures,
        next_poll_at=row.next_poll_at,
    )


def _entry(row: FeedEntryRow) -> EntryState:
    return EntryState(
        entry_key=row.entry_key,
        source_key=row.source_key,
        fingerprint=row.fingerprint,
        back_catalogue=row.back_catalogue,
        issue_number=row.issue_number,
        last_error=row.last_error,
    )
