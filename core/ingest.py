"""Ingest: issue files → parsed issues → the database, one transaction per file.

Every file is parsed first; the good ones are then stored in date order, so issues without
a number in their front matter are numbered in date order. A bad file is reported (file,
line, message) and nothing of it is stored; the others still go in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from core.clock import Clock
from core.errors import ContentError
from core.model import Issue, NoteKind, ParseNote
from core.parsing import format_of, load_issue
from core.profile import Profile
from core.serialize import content_hash
from core.storage.database import Database
from core.storage.issues import IssueRepository

ISSUE_SUFFIXES = frozenset((".txt", ".md", ".markdown", ".mdx"))

FileStatus = Literal["new", "unchanged", "revised", "error"]


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What happened to one file.

    ``number`` and ``revision`` are set unless the file failed; ``error`` is set when it
    did. ``warnings`` are the parser's remarks a person should look at.
    """

    path: Path
    source_key: str
    status: FileStatus
    number: int | None = None
    revision: int | None = None
    title: str | None = None
    date: date | None = None
    sections: int = 0
    error: ContentError | None = None
    warnings: tuple[ParseNote, ...] = ()

    @property
    def message(self) -> str | None:
        """The error as a person reads it (file, line, what, how to fix), if any."""
        return None if self.error is None else str(self.error)

    @property
    def line(self) -> int | None:
        """The line the error concerns, when one applies."""
        return None if self.error is None else self.error.line


@dataclass(frozen=True, slots=True)
class IngestReport:
    """The outcome of every file, in the order the files were given."""

    outcomes: tuple[FileOutcome, ...]

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return not self.errors

    @property
    def errors(self) -> list[FileOutcome]:
        """The files that failed."""
        return [f for f in self.outcomes if f.status == "error"]

    def count(self, status: FileStatus) -> int:
        """How many files ended with this status."""
        return sum(1 for f in self.outcomes if f.status == status)

    def summary(self) -> str:
        """One line for a log: ``3 files: 1 new, 1 revised, 1 unchanged, 0 errors``."""
        counts = ", ".join(
            f"{self.count(status)} {status}" for status in ("new", "revised", "unchanged")
        )
        errors = self.count("error")
        return f"{len(self.outcomes)} files: {counts}, {errors} error{'s' if errors != 1 else ''}"


def default_issue_paths(content_dir: Path) -> list[Path]:
    """Every issue file under ``content_dir/issues`` (.txt, .md, .markdown, .mdx), sorted.

    Hidden files and folders (editor swap files, ``.git``) are skipped.
    """
    root = content_dir / "issues"
    if not root.is_dir():
        return []
    return sorted(
        path
        for path in root.rglob("*")
        if path.suffix.lower() in ISSUE_SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


async def ingest_paths(
    paths: Sequence[Path],
    *,
    profile: Profile,
    db: Database,
    content_dir: Path,
    encoding: str | None = None,
    clock: Clock,
    progress: Callable[[FileOutcome], None] | None = None,
) -> IngestReport:
    """Parse and store issue files.

    Args:
        paths: the files; a path given twice is ingested once.
        profile: the newsletter profile the files are parsed with.
        db: a migrated database.
        content_dir: the content folder; files are keyed by their path relative to it.
        encoding: the files' encoding when not UTF-8/16 (``--encoding cp932``).
        clock: the time revisions are stamped with.
        progress: called with each file's outcome as soon as it is known.

    Returns:
        Every file's outcome (new, unchanged, revised or error), in the order given.
    """
    unique: dict[Path, Path] = {}
    for path in paths:
        unique.setdefault(path.resolve(), path)
    outcomes: dict[Path, FileOutcome] = {}
    parsed: list[tuple[Path, Issue]] = []

    def done(outcome: FileOutcome) -> None:
        outcomes[outcome.path] = outcome
        if progress is not None:
            progress(outcome)

    for path in unique.values():
        try:
            issue = await asyncio.to_thread(load_issue, path, profile, encoding=encoding)
        except ContentError as exc:
            done(FileOutcome(path, _source_key(path, content_dir), "error", error=exc))
        else:
            parsed.append((path, issue))

    repository = IssueRepository(db, clock=clock)
    parsed.sort(key=lambda entry: (entry[1].date or date.max, _source_key(entry[0], content_dir)))
    for path, issue in parsed:
        done(await _store(repository, path, issue, profile, content_dir))
    return IngestReport(tuple(outcomes[path] for path in unique.values()))


async def _store(
    repository: IssueRepository, path: Path, issue: Issue, profile: Profile, content_dir: Path
) -> FileOutcome:
    key = _source_key(path, content_dir)
    publish_at = effective_publish_at(issue, profile)
    warnings = tuple(note for note in issue.notes if note.kind is NoteKind.WARNING)
    try:
        stored = await repository.store(
            issue,
            source_key=key,
            content_hash=content_hash(issue, publish_at=publish_at),
            fmt=format_of(path.name),
            publish_at=publish_at,
        )
    except ContentError as exc:
        if exc.path == key:
            # Name the file as the person gave it, not by its storage key.
            exc = ContentError(exc.message, path=str(path), line=exc.line, hint=exc.hint)
        return FileOutcome(path, key, "error", error=exc, warnings=warnings)
    return FileOutcome(
        path,
        key,
        stored.status,
        number=stored.number,
        revision=stored.revision,
        title=issue.title,
        date=issue.date,
        sections=len(issue.sections),
        warnings=warnings,
    )


def effective_publish_at(issue: Issue, profile: Profile) -> datetime | None:
    """When an issue goes out: its own ``publish_at``, else its date at the profile's
    publish time in the newsletter's time zone, else None (no date: at once)."""
    if issue.publish_at is not None:
        if issue.publish_at.tzinfo is None:
            return issue.publish_at.replace(tzinfo=profile.timezone)
        return issue.publish_at
    if issue.date is None:
        return None
    return datetime.combine(issue.date, profile.publish_time, tzinfo=profile.timezone)


def _source_key(path: Path, content_dir: Path) -> str:
    try:
        return path.resolve().relative_to(content_dir.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
