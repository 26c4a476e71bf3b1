"""Ingest: issue files → parsed issues → the database, one transaction per file.

Every file is parsed first; the good ones are then stored in date order, so issues without
a number in their front matter are numbered in date order. A bad file is reported (file,
line, message) and nothing of it is stored; the others still go in.

- A link in the content folder that leads out of it is refused (``issue_file``): the
  folder is what the editor publishes, and a link to ``~/.env`` must not become an issue.
- A file without a date (in its name or front matter) or ``publish_at`` is stored as a
  draft: held, never published or sent, until a revision gives it a date.
- A new file with the very bytes of a stored issue's file is a copy: reported, not stored
  (unless that issue's file is gone: then the file was renamed, and the issue moves).
- ``hold_removed_files``: an unpublished issue whose file was removed is held.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from core.clock import Clock
from core.errors import ContentError
from core.model import Issue, NoteKind, ParseNote
from core.profile import Profile
from core.serialize import content_hash
from core.storage.database import Database
from core.storage.health import is_database_fault
from core.storage.issues import IssueRepository

log = logging.getLogger("haishin.content")

ISSUE_SUFFIXES = frozenset((".txt", ".md", ".markdown", ".mdx"))
ISSUES_PREFIX = "issues/"  # source keys of the content folder's issue files

FileStatus = Literal["new", "unchanged", "revised", "copy", "error"]


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
    held: str | None = None  # "draft" or "cancelled": stored, but not going out
    note: str | None = None  # a copy, a rename, a file back after removal
    restored: bool = False  # the file came back; its issue is no longer held for that

    @property
    def message(self) -> str | None:
        """The error as a person reads it (file, line, what, how to fix), else the note."""
        return self.note if self.error is None else str(self.error)

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

    @property
    def changed(self) -> bool:
        """True when something was stored, or a held issue was released."""
        return any(f.status in ("new", "revised") or f.restored for f in self.outcomes)

    def summary(self) -> str:
        """One line for a log: ``3 files: 1 new, 1 revised, 1 unchanged, 0 errors``."""
        counts = ", ".join(
            f"{self.count(status)} {status}" for status in ("new", "revised", "unchanged")
        )
        copies = self.count("copy")
        counts += f", {copies} cop{'ies' if copies != 1 else 'y'}" if copies else ""
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


def issue_file(path: Path, content_dir: Path) -> Path:
    """The file to read for ``path``: itself, or where its link leads if that is inside the
    content folder (or its ``issues`` folder, which may be a link of its own).

    A path named outside the content folder (``haishin ingest /tmp/x.txt``) is read as it
    is: the editor chose it.

    Raises:
        ContentError: ``path`` is in the content folder but a link takes it out.
    """
    if not Path(os.path.abspath(path)).is_relative_to(os.path.abspath(content_dir)):
        return path
    target = path.resolve()
    roots = (content_dir.resolve(), (content_dir / "issues").resolve())
    if not any(target.is_relative_to(root) for root in roots):
        raise ContentError(
            f"is a link to {target}, outside the content folder; haishin does not read it",
            path=str(path),
            hint="copy the file into the content folder instead of linking to it",
        )
    return target


async def hold_removed_files(
    db: Database, content_dir: Path, *, clock: Clock
) -> list[tuple[int, str]]:
    """Hold every unpublished issue whose file is no longer in ``content_dir/issues``.

    Nothing is held while the ``issues`` folder itself is missing (an unmounted share is
    not a deletion). A held issue goes out again when its file comes back.

    Returns:
        The held issues' numbers and source keys.
    """
    if not (content_dir / "issues").is_dir():
        return []
    paths = await asyncio.to_thread(default_issue_paths, content_dir)
    present = {_source_key(path, content_dir) for path in paths}
    return await IssueRepository(db, clock=clock).hold_removed(ISSUES_PREFIX, present)


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
    parsed: list[tuple[Path, Issue, str]] = []

    def done(outcome: FileOutcome) -> None:
        outcomes[outcome.path] = outcome
        if progress is not None:
            progress(outcome)

    for path in unique.values():
        try:
            issue, digest = await asyncio.to_thread(_read, path, content_dir, profile, encoding)
        except ContentError as exc:
            done(FileOutcome(path, _source_key(path, content_dir), "error", error=exc))
        else:
            parsed.append((path, issue, digest))

    repository = IssueRepository(db, clock=clock)
    # Files already stored go first (their fingerprints are then current, so a copy among
    # the new ones is recognised), then the new ones by date, which numbers them by date.
    known = await repository.stored_sources([_source_key(p, content_dir) for p, _, _ in parsed])
    parsed.sort(
        key=lambda entry: (
            _source_key(entry[0], content_dir) not in known,
            entry[1].date or date.max,
            _source_key(entry[0], content_dir),
        )
    )
    for path, issue, digest in parsed:
        key = _source_key(path, content_dir)
        try:
            new = key not in known
            outcome = await _store(repository, path, issue, digest, profile, content_dir, new)
        except Exception as exc:  # one odd file never stops the others (or the watcher)
            if is_database_fault(exc):
                raise  # the database, not the file: the caller tries again later
            log.exception("%s could not be stored", path)
            error = ContentError(
                f"could not be stored ({type(exc).__name__}: {exc})",
                path=str(path),
                hint="this is a bug in haishin; the log has the details",
            )
            outcome = FileOutcome(path, key, "error", error=error)
        done(outcome)
    return IngestReport(tuple(outcomes[path] for path in unique.values()))


def _read(
    path: Path, content_dir: Path, profile: Profile, encoding: str | None
) -> tuple[Issue, str]:
    """Parse a file; its bytes' SHA-256 too. Every failure is a ContentError."""
    from core.parsing import parse_issue, read_issue_bytes

    data = read_issue_bytes(issue_file(path, content_dir), shown=path)
    try:
        issue = parse_issue(data, name=str(path), profile=profile, encoding=encoding)
    except ContentError:
        raise
    except (RecursionError, ValueError, LookupError, OverflowError) as exc:
        raise ContentError(
            f"can't be read ({type(exc).__name__}: {exc})",
            path=str(path),
            hint="this is a bug in haishin; please report it with the file",
        ) from exc
    return issue, hashlib.sha256(data).hexdigest()


async def _store(
    repository: IssueRepository,
    path: Path,
    issue: Issue,
    digest: str,
    profile: Profile,
    content_dir: Path,
    new: bool,
) -> FileOutcome:
    from core.parsing import format_of

    key = _source_key(path, content_dir)
    publish_at = effective_publish_at(issue, profile)
    warnings = tuple(note for note in issue.notes if note.kind is NoteKind.WARNING)
    note = None
    # Only a file not stored yet can be a copy (or a renamed file) of another's.
    copies = await repository.find_copies(digest, other_than=key) if new else []
    if copies and await repository.get_by_source(key) is None:
        gone = next((c for c in copies if not _source_exists(c.source_key, content_dir)), None)
        if gone is None:
            original = copies[0]
            return FileOutcome(
                path,
                key,
                "copy",
                number=original.number,
                title=issue.title,
                date=issue.date,
                note=f"a byte-identical copy of {original.source_key} (issue "
                f"{original.number}); not stored. Delete it, or edit it into an issue of its own",
            )
        await repository.move_source(gone.source_key, key)
        note = f"renamed from {gone.source_key}"
    try:
        stored = await repository.store(
            issue,
            source_key=key,
            content_hash=content_hash(issue, publish_at=publish_at),
            fmt=format_of(path.name),
            publish_at=publish_at,
            draft=publish_at is None,
            source_hash=digest,
        )
    except ContentError as exc:
        if exc.path == key:
            # Name the file as the person gave it, not by its storage key.
            exc = ContentError(exc.message, path=str(path), line=exc.line, hint=exc.hint)
        return FileOutcome(path, key, "error", error=exc, warnings=warnings)
    if stored.restored:
        note = note or "its file is back: the issue is no longer held"
    if stored.held == "draft":
        note = "draft: no date in its name or front matter; held until it has one"
    elif stored.held == "cancelled":
        note = f"cancelled: held until `haishin reschedule {stored.number}`"
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
        held=stored.held,
        note=note,
        restored=stored.restored,
    )


def _source_exists(source_key: str, content_dir: Path) -> bool:
    if source_key.startswith("feed:"):
        return True  # a feed entry: not a file that could have been renamed
    path = Path(source_key)
    return (path if path.is_absolute() else content_dir / path).is_file()


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
