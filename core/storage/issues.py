"""Stored issues: revisions, numbering, publication state, and search over them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Select, and_, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.errors import ContentError, NotFound, SearchQueryError
from core.model import MAX_ISSUE_NUMBER, Issue, IssueRef
from core.serialize import issue_from_dict, issue_to_dict
from core.storage.base import Repository
from core.storage.database import ISSUES_LOCK, Database
from core.storage.heads import changed, database_key, is_visible, visible_clause
from core.storage.models import IssueRow, ItemRow, RevisionRow, SectionRow
from core.storage.search import (
    SearchHit,
    fold_for_search,
    query_mistake,
    search_terms,
    snippet,
    term_conditions,
)

StoreStatus = Literal["new", "unchanged", "revised"]
SOURCE_KEY_MAX = 1000


@dataclass(frozen=True, slots=True)
class StoreOutcome:
    """What ``IssueRepository.store`` did with an issue.

    ``held`` is why the issue is held back after the store (``draft``, ``cancelled``), or
    None; ``restored`` is True when a file marked removed came back.
    """

    status: StoreStatus
    number: int
    revision: int
    held: str | None = None
    restored: bool = False


@dataclass(frozen=True, slots=True)
class SourceCopy:
    """A stored issue whose current revision was read from the same bytes as a new file."""

    number: int
    source_key: str
    published: bool
    held: str | None


@dataclass(frozen=True, slots=True)
class StoredIssue:
    """An issue as stored: its current revision's content and its publication state.

    ``issue.number`` is always set (the stored number). ``publish_at`` is when the issue is
    due to go out; ``published_at`` when it actually did (None until then).
    """

    id: int
    number: int
    issue: Issue
    source_key: str
    revision: int
    publish_at: datetime | None
    published_at: datetime | None
    back_catalogue: bool
    corrected: bool
    corrected_at: datetime | None
    created_at: datetime
    updated_at: datetime
    held: str | None = None

    @property
    def ref(self) -> IssueRef:
        """Number, title and date."""
        return self.issue.ref

    def visible_at(self, now: datetime) -> bool:
        """True when readers may see the issue at ``now`` (published, or due and not held)."""
        return is_visible(self.published_at, self.publish_at, self.held, now)


@dataclass(frozen=True, slots=True)
class IssueRevision:
    """One stored version of an issue."""

    number: int
    revision: int
    content_hash: str
    source_format: str
    created_at: datetime
    issue: Issue


class IssueRepository(Repository):
    """Issues with their revisions, sections and items, and keyword search over them."""

    async def store(
        self,
        issue: Issue,
        *,
        source_key: str,
        content_hash: str,
        fmt: str,
        publish_at: datetime | None,
        back_catalogue: bool = False,
        draft: bool = False,
        source_hash: str | None = None,
    ) -> StoreOutcome:
        """Store an issue read from ``source_key``, in one transaction.

        The same content (same ``content_hash``) as the current revision writes nothing.
        Changed content becomes a new revision and marks the issue corrected. A new issue
        takes the number its front matter gives, or the highest number stored plus one.

        Args:
            issue: the parsed issue.
            source_key: the file path relative to the content dir, or a feed entry's guid.
            content_hash: a fingerprint of the content (``core.serialize.content_hash``).
            fmt: the source format (``text``, ``markdown``, ``feed``).
            publish_at: when the issue is due to go out (aware), if known.
            back_catalogue: stored to be read, never sent (an old feed entry).
            draft: hold the issue until a later revision has a date (an undated file); an
                unpublished issue held as a draft, or for its removed file, is released by
                a store without ``draft``. A cancelled issue stays cancelled.
            source_hash: SHA-256 of the file's bytes (``find_copies`` looks for it).

        Raises:
            ContentError: the issue's number belongs to another issue, or its text can't be
                stored (a NUL character).
        """
        _check_storable(issue, source_key)
        if publish_at is not None and publish_at.utcoffset() is None:
            raise ValueError("publish_at must be an aware datetime")
        outcome = await self._store(
            issue,
            source_key=source_key,
            content_hash=content_hash,
            fmt=fmt,
            publish_at=publish_at,
            back_catalogue=back_catalogue,
            draft=draft,
            source_hash=source_hash,
        )
        if outcome.status != "unchanged" or outcome.restored:
            self._announce()
        return outcome

    async def _store(
        self,
        issue: Issue,
        *,
        source_key: str,
        content_hash: str,
        fmt: str,
        publish_at: datetime | None,
        back_catalogue: bool,
        draft: bool,
        source_hash: str | None,
    ) -> StoreOutcome:
        now = self._clock.now()
        async with self._write() as session:
            if self.dialect == "postgresql":
                # Serialise stores: numbering is max + 1, and two ingesters may race.
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": ISSUES_LOCK}
                )
            row = await session.scalar(select(IssueRow).where(IssueRow.source_key == source_key))
            if row is None:
                number = issue.number if issue.number is not None else await _next_number(session)
                await _claim_number(session, number, source_key)
                row = IssueRow(
                    number=number,
                    date=issue.date,
                    title=issue.title,
                    source_key=source_key,
                    publish_at=publish_at,
                    published_at=None,
                    back_catalogue=back_catalogue,
                    revision=1,
                    corrected=False,
                    corrected_at=None,
                    created_at=now,
                    updated_at=now,
                    held="draft" if draft else None,
                )
                session.add(row)
                await session.flush()
                status: StoreStatus = "new"
                restored = False
            else:
                current = (
                    await session.execute(
                        select(
                            RevisionRow.id, RevisionRow.content_hash, RevisionRow.source_hash
                        ).where(
                            RevisionRow.issue_id == row.id, RevisionRow.revision == row.revision
                        )
                    )
                ).first()
                restored = row.held == "removed"
                if row.published_at is None and row.held != "cancelled":
                    row.held = "draft" if draft else None
                if current is not None and current.content_hash == content_hash:
                    if restored:
                        row.updated_at = now
                    if source_hash is not None and current.source_hash != source_hash:
                        # The same content in other bytes (line ends), or stored before
                        # fingerprints were kept: the file's copies are recognised from now.
                        await session.execute(
                            update(RevisionRow)
                            .where(RevisionRow.id == current.id)
                            .values(source_hash=source_hash)
                        )
                    return StoreOutcome(
                        "unchanged", row.number, row.revision, row.held, restored=restored
                    )
                if issue.number is not None and issue.number != row.number:
                    await _claim_number(session, issue.number, source_key)
                    row.number = issue.number
                row.revision += 1
                row.date, row.title, row.publish_at = issue.date, issue.title, publish_at
                row.corrected, row.corrected_at, row.updated_at = True, now, now
                await session.execute(delete(ItemRow).where(ItemRow.issue_id == row.id))
                await session.execute(delete(SectionRow).where(SectionRow.issue_id == row.id))
                status = "revised"
            stored = replace(issue, number=row.number)
            session.add(
                RevisionRow(
                    issue_id=row.id,
                    revision=row.revision,
                    content_hash=content_hash,
                    document=issue_to_dict(stored),
                    source_format=fmt,
                    created_at=now,
                    source_hash=source_hash,
                )
            )
            await _add_search_rows(session, row.id, stored)
            return StoreOutcome(status, row.number, row.revision, row.held, restored=restored)

    async def stored_sources(self, source_keys: list[str]) -> set[str]:
        """Which of these files (or feed entries) have an issue stored."""
        found: set[str] = set()
        async with self._read() as session:
            for start in range(0, len(source_keys), 500):
                chunk = source_keys[start : start + 500]
                query = select(IssueRow.source_key).where(IssueRow.source_key.in_(chunk))
                found.update(await session.scalars(query))
        return found

    async def find_copies(self, source_hash: str, *, other_than: str) -> list[SourceCopy]:
        """Stored issues whose current revision came from a file with these very bytes,
        other than the one stored from ``other_than``."""
        query = (
            select(IssueRow.number, IssueRow.source_key, IssueRow.published_at, IssueRow.held)
            .join(
                RevisionRow,
                and_(
                    RevisionRow.issue_id == IssueRow.id, RevisionRow.revision == IssueRow.revision
                ),
            )
            .where(RevisionRow.source_hash == source_hash, IssueRow.source_key != other_than)
            .order_by(IssueRow.number)
        )
        async with self._read() as session:
            rows = (await session.execute(query)).all()
        return [SourceCopy(n, key, published is not None, held) for n, key, published, held in rows]

    async def move_source(self, old_key: str, new_key: str) -> None:
        """An issue's file was renamed: store its revisions under ``new_key`` from now on."""
        async with self._write() as session:
            row = await session.scalar(select(IssueRow).where(IssueRow.source_key == old_key))
            if row is None:
                raise NotFound(f"no issue is stored from {old_key}")
            row.source_key = new_key
            row.updated_at = self._clock.now()
        self._announce()

    async def hold_removed(self, prefix: str, present: set[str]) -> list[tuple[int, str]]:
        """Hold every unpublished issue stored from a file under ``prefix`` that is not in
        ``present`` (its file was removed); returns their numbers and source keys."""
        query = select(IssueRow).where(
            IssueRow.published_at.is_(None),
            IssueRow.back_catalogue.is_(False),
            IssueRow.source_key.startswith(prefix, autoescape=True),
            or_(IssueRow.held.is_(None), IssueRow.held == "draft"),
        )
        held = []
        async with self._write() as session:
            for row in (await session.scalars(query)).all():
                if row.source_key not in present:
                    row.held, row.updated_at = "removed", self._clock.now()
                    held.append((row.number, row.source_key))
        if held:
            self._announce()
        return held

    async def cancel(self, number: int) -> StoredIssue:
        """Cancel an unpublished issue: it is held, never published or sent, until
        ``reschedule``; a later revision of its file does not lift that.

        Raises:
            NotFound: no such issue.
            ContentError: it was published already (what went out can't be called back).
        """
        async with self._write() as session:
            row = await self._row(session, number)
            if row.published_at is not None:
                raise ContentError(
                    f"issue {number} was published at {row.published_at:%Y-%m-%d %H:%M} UTC; "
                    "what went out can't be cancelled",
                    hint="publish a correction by editing its file instead",
                )
            row.held, row.updated_at = "cancelled", self._clock.now()
        self._announce()
        return await self._found(number)

    async def reschedule(self, number: int) -> StoredIssue:
        """Undo ``cancel``: the issue goes out at its time again (at once when that has
        passed, or as a draft while its file has no date).

        Raises:
            NotFound: no such issue.
        """
        async with self._write() as session:
            row = await self._row(session, number)
            if row.held == "cancelled":
                row.held = "draft" if row.publish_at is None and _from_file(row) else None
                row.updated_at = self._clock.now()
        self._announce()
        return await self._found(number)

    async def _row(self, session: AsyncSession, number: int, *, lock: bool = False) -> IssueRow:
        row = None
        if 1 <= number <= MAX_ISSUE_NUMBER:
            query = select(IssueRow).where(IssueRow.number == number)
            # FOR UPDATE: two publishers reading "not published" at once must not both write.
            row = await session.scalar(query.with_for_update() if lock else query)
        if row is None:
            raise NotFound(f"there is no issue {number}; `haishin issues` lists them")
        return row

    async def _found(self, number: int) -> StoredIssue:
        stored = await self.get(number)
        if stored is None:
            raise NotFound(f"there is no issue {number}")
        return stored

    async def get(self, number: int) -> StoredIssue | None:
        """The issue with this number, or None."""
        if not 1 <= number <= MAX_ISSUE_NUMBER:
            return None  # no such issue, and beyond what the database's INTEGER holds
        return await self._one(_current().where(IssueRow.number == number))

    async def get_by_id(self, issue_id: int) -> StoredIssue | None:
        """The issue with this database id (the delivery ledger refers to issues by id)."""
        return await self._one(_current().where(IssueRow.id == issue_id))

    async def latest_published(self, *, by: datetime | None = None) -> StoredIssue | None:
        """The newest issue that was published (marked so), back catalogue left out; with
        ``by``, the newest of those due or published by then (published later than planned,
        say while the database was away, still counts from its planned time)."""
        query = (
            _current()
            .where(IssueRow.published_at.is_not(None), IssueRow.back_catalogue.is_(False))
            .order_by(IssueRow.number.desc())
        )
        if by is not None:
            query = query.where(or_(IssueRow.published_at <= by, IssueRow.publish_at <= by))
        return await self._one(query.limit(1))

    async def get_by_source(self, source_key: str) -> StoredIssue | None:
        """The issue stored from this file path or feed guid, or None."""
        return await self._one(_current().where(IssueRow.source_key == source_key))

    async def by_date(self, day: date) -> StoredIssue | None:
        """The issue of this date (the highest-numbered one if several share it), or None."""
        query = _current().where(IssueRow.date == day).order_by(IssueRow.number.desc())
        return await self._one(query.limit(1))

    async def latest(self, now: datetime) -> StoredIssue | None:
        """The newest issue readers may see at ``now``: due by then, or published."""
        query = _current().where(visible_clause(now)).order_by(IssueRow.number.desc())
        return await self._one(query.limit(1))

    async def recent(self, limit: int, now: datetime) -> list[StoredIssue]:
        """Up to ``limit`` issues readers may see at ``now``, newest first."""
        query = _current().where(visible_clause(now)).order_by(IssueRow.number.desc())
        return await self._many(query.limit(limit))

    async def all_issues(self) -> list[StoredIssue]:
        """Every stored issue, published or not, in number order."""
        return await self._many(_current().order_by(IssueRow.number))

    async def due(self, now: datetime) -> list[StoredIssue]:
        """Issues due by ``now`` but not yet published (back catalogue excluded), oldest first."""
        query = _current().where(
            IssueRow.published_at.is_(None),
            IssueRow.back_catalogue.is_(False),
            IssueRow.held.is_(None),
            or_(IssueRow.publish_at.is_(None), IssueRow.publish_at <= now),
        )
        return await self._many(query.order_by(IssueRow.number))

    async def publication_times(self) -> list[tuple[int, datetime]]:
        """(number, ``publish_at``) of every issue waiting for its publication time (not
        published, not held, not back catalogue), in number order; read from the index
        columns only."""
        query = select(IssueRow.number, IssueRow.publish_at).where(
            IssueRow.published_at.is_(None),
            IssueRow.back_catalogue.is_(False),
            IssueRow.held.is_(None),
            IssueRow.publish_at.is_not(None),
        )
        async with self._read() as session:
            rows = await session.execute(query.order_by(IssueRow.number))
            return [(number, at) for number, at in rows if at is not None]

    async def revisions(self, number: int) -> list[IssueRevision]:
        """Every stored revision of an issue, oldest first (empty when there is no such issue)."""
        query = (
            select(IssueRow.number, RevisionRow)
            .join(RevisionRow, RevisionRow.issue_id == IssueRow.id)
            .where(IssueRow.number == number)
            .order_by(RevisionRow.revision)
        )
        async with self._read() as session:
            rows = (await session.execute(query)).all()
        return [
            IssueRevision(
                number=n,
                revision=rev.revision,
                content_hash=rev.content_hash,
                source_format=rev.source_format,
                created_at=rev.created_at,
                issue=replace(issue_from_dict(rev.document), number=n),
            )
            for n, rev in rows
        ]

    async def mark_published(self, number: int, at: datetime) -> bool:
        """Record that an issue went out at ``at``.

        Returns:
            True if this call published it; False if it was published already (the first
            time stays recorded).

        Raises:
            NotFound: there is no issue with this number.
        """
        async with self._write() as session:
            row = await self._row(session, number, lock=True)
            if row.published_at is not None:
                return False
            row.published_at, row.held = at, None  # publishing by hand lifts any hold
            row.updated_at = self._clock.now()
        self._announce()
        return True

    def _announce(self) -> None:
        """Tell this process's readers (``core.storage.heads``) that issues changed."""
        if isinstance(self._source, Database):
            changed(database_key(self._source))
        else:
            bind = self._source.bind
            engine = bind.engine if isinstance(bind, AsyncConnection) else bind
            if engine is not None:
                changed(engine.url.render_as_string(hide_password=True))

    async def search(
        self, query: str, *, limit: int = 10, now: datetime | None = None
    ) -> list[SearchHit]:
        """Items whose title or text contains every word of ``query``, newest issue first.

        Matching ignores case and full/half width; words of any length work (``薬価``).
        With ``now``, only issues readers may see at that time are searched.
        """
        terms = search_terms(query)
        if not terms or limit <= 0:
            return []
        statement = (
            select(ItemRow, SectionRow, IssueRow)
            .join(SectionRow, SectionRow.id == ItemRow.section_id)
            .join(IssueRow, IssueRow.id == ItemRow.issue_id)
            .where(*term_conditions(terms, self.dialect))
            .order_by(IssueRow.number.desc(), SectionRow.position, ItemRow.position)
            .limit(limit)
        )
        if now is not None:
            statement = statement.where(visible_clause(now))
        try:
            async with self._read() as session:
                rows = (await session.execute(statement)).all()
        except DBAPIError as exc:
            if not query_mistake(exc):
                raise
            raise SearchQueryError(f"can't search for {query!r}: {exc.orig}") from exc
        return [
            SearchHit(
                number=issue.number,
                date=issue.date,
                issue_title=issue.title,
                section_key=section.key,
                section_title=section.title,
                item=item.position,
                item_title=item.title,
                snippet=snippet(item.title, item.text, terms),
            )
            for item, section, issue in rows
        ]

    async def _one(self, query: Select[IssueRow, RevisionRow]) -> StoredIssue | None:
        found = await self._many(query)
        return found[0] if found else None

    async def _many(self, query: Select[IssueRow, RevisionRow]) -> list[StoredIssue]:
        async with self._read() as session:
            rows = (await session.execute(query)).all()
        return [_stored(issue, revision) for issue, revision in rows]


def _current() -> Select[IssueRow, RevisionRow]:
    return select(IssueRow, RevisionRow).join(
        RevisionRow,
        and_(RevisionRow.issue_id == IssueRow.id, RevisionRow.revision == IssueRow.revision),
    )


def _stored(row: IssueRow, revision: RevisionRow) -> StoredIssue:
    return StoredIssue(
        id=row.id,
        number=row.number,
        issue=replace(issue_from_dict(revision.document), number=row.number),
        source_key=row.source_key,
        revision=row.revision,
        publish_at=row.publish_at,
        published_at=row.published_at,
        back_catalogue=row.back_catalogue,
        corrected=row.corrected,
        corrected_at=row.corrected_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        held=row.held,
    )


def _from_file(row: IssueRow) -> bool:
    # Feed entries are stored under "feed:…" (core.feeds.entries.source_key), files by path.
    return not row.source_key.startswith("feed:")


async def _next_number(session: AsyncSession) -> int:
    highest = await session.scalar(select(func.max(IssueRow.number)))
    return (highest or 0) + 1


async def _claim_number(session: AsyncSession, number: int, source_key: str) -> None:
    if number < 1:
        raise ContentError(
            f"issue number {number} is not allowed",
            path=source_key,
            hint="issue numbers start at 1; fix `number:` in the front matter",
        )
    holder = await session.scalar(
        select(IssueRow.source_key).where(
            IssueRow.number == number, IssueRow.source_key != source_key
        )
    )
    if holder is not None:
        raise ContentError(
            f"issue number {number} is already taken by {holder}",
            path=source_key,
            hint="give this issue another `number:` in its front matter, "
            "or leave the number out to number it by date",
        )


async def _add_search_rows(session: AsyncSession, issue_id: int, issue: Issue) -> None:
    if not issue.sections:
        return
    # Bulk inserts: an issue of This Week in Rust has hundreds of items.
    section_ids = await session.scalars(
        insert(SectionRow).returning(SectionRow.id, sort_by_parameter_order=True),
        [
            {"issue_id": issue_id, "position": position, "key": section.key, "title": section.title}
            for position, section in enumerate(issue.sections)
        ],
    )
    items = [
        {
            "issue_id": issue_id,
            "section_id": section_id,
            "position": position,
            "title": item.title,
            "text": item.text,
            "search_title": fold_for_search(item.title or ""),
            "search_body": fold_for_search(item.text),
        }
        for section_id, section in zip(section_ids.all(), issue.sections, strict=True)
        for position, item in enumerate(section.items)
    ]
    if items:
        await session.execute(insert(ItemRow), items)


def _check_storable(issue: Issue, source_key: str) -> None:
    if len(source_key) > SOURCE_KEY_MAX:
        raise ContentError(
            f"the file's path is longer than {SOURCE_KEY_MAX} characters",
            path=source_key[:80] + "…",
            hint="move it to a shorter path under the content folder",
        )
    if _holds_nul(issue_to_dict(issue)):
        # PostgreSQL can keep no NUL character in text or jsonb.
        raise ContentError(
            "the issue's text holds a NUL character, which can't be stored",
            path=source_key,
            hint="the file may be UTF-16 without a byte order mark; "
            "save it as UTF-8 or pass --encoding",
        )


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False
