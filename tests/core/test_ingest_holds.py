"""Ingest as a careless editor meets it: links out of the folder, undated drafts, copies,
removed files, absurd numbers; on real files and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from core.clock import FixedClock
from core.ingest import IngestReport, default_issue_paths, hold_removed_files, ingest_paths
from core.profile import Profile
from core.storage import IssueRepository
from core.storage.database import Database

NOW = datetime(2025, 10, 10, 3, 0, tzinfo=UTC)  # after the sample's 2025-10-04 07:00 JST
DRAFT = "トピック\n🚀 まだ書きかけ\n本文の下書きです。\n"


@pytest.fixture
def content(tmp_path: Path, sample_path: Path) -> Path:
    issues = tmp_path / "content" / "issues"
    issues.mkdir(parents=True)
    shutil.copyfile(sample_path, issues / "2025-10-04.txt")
    return tmp_path / "content"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


async def ingest_all(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> IngestReport:
    return await ingest_paths(
        default_issue_paths(content), profile=profile, db=database, content_dir=content, clock=clock
    )


async def test_a_link_out_of_the_content_folder_is_refused_and_nothing_of_it_stored(
    content: Path, tmp_path: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    secret = tmp_path / ".env"
    secret.write_text("トピック\n🚀 SLACK_BOT_TOKEN=xoxb-secret\n秘密です。\n", encoding="utf-8")
    (content / "issues" / "2025-10-11.txt").symlink_to(secret)
    # A link that stays inside the folder is fine (and is the file it points at).
    (content / "issues" / "latest.txt").symlink_to(content / "issues" / "2025-10-04.txt")

    report = await ingest_all(content, database, profile, clock)

    by_name = {f.path.name: f for f in report.outcomes}
    refused = by_name["2025-10-11.txt"]
    assert refused.status == "error"
    assert refused.message is not None
    assert "is a link to" in refused.message and "outside the content folder" in refused.message
    assert str(content / "issues" / "2025-10-11.txt") in refused.message
    stored = await IssueRepository(database).all_issues()
    assert [s.source_key for s in stored] == ["issues/2025-10-04.txt"]
    assert all("xoxb" not in str(s.issue) for s in stored)
    assert await IssueRepository(database).search("xoxb-secret") == []


async def test_an_undated_file_is_a_held_draft_until_it_has_a_date(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    draft = content / "issues" / "draft-notes.txt"
    draft.write_text(DRAFT, encoding="utf-8")

    report = await ingest_all(content, database, profile, clock)

    outcome = next(f for f in report.outcomes if f.path == draft)
    assert (outcome.status, outcome.held) == ("new", "draft")
    repo = IssueRepository(database, clock=clock)
    stored = await repo.get_by_source("issues/draft-notes.txt")
    assert stored is not None and stored.held == "draft" and stored.publish_at is None
    assert [s.number for s in await repo.due(NOW)] == [1]  # the sample only, never the draft
    assert (await repo.latest(NOW)).number == 1  # type: ignore[union-attr]
    assert not stored.visible_at(NOW)
    assert await repo.search("書きかけ", now=NOW) == []

    # Given a date, it is an issue like any other: due at that day's publish time.
    draft.write_text("---\ndate: 2025-10-11\n---\n" + DRAFT, encoding="utf-8")
    await ingest_paths([draft], profile=profile, db=database, content_dir=content, clock=clock)
    dated = await repo.get_by_source("issues/draft-notes.txt")
    assert dated is not None and dated.held is None and dated.publish_at is not None
    assert [s.number for s in await repo.due(datetime(2025, 10, 11, 0, 0, tzinfo=UTC))] == [
        1,
        dated.number,
    ]


async def test_a_byte_identical_copy_is_reported_not_scheduled_twice(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    await ingest_all(content, database, profile, clock)
    copy = content / "issues" / "2025-10-04 copy.txt"
    shutil.copyfile(content / "issues" / "2025-10-04.txt", copy)
    other = content / "issues" / "2025-10-11.txt"  # same bytes, another date: a copy too
    shutil.copyfile(content / "issues" / "2025-10-04.txt", other)

    report = await ingest_all(content, database, profile, clock)

    copies = {f.path.name: f for f in report.outcomes if f.status == "copy"}
    assert set(copies) == {"2025-10-04 copy.txt", "2025-10-11.txt"}
    assert copies["2025-10-11.txt"].number == 1
    assert "byte-identical copy of issues/2025-10-04.txt (issue 1)" in str(
        copies["2025-10-11.txt"].message
    )
    assert report.ok  # reported, not an error
    assert [s.number for s in await IssueRepository(database).all_issues()] == [1]

    # Edited, the copy becomes an issue of its own.
    other.write_text(other.read_text(encoding="utf-8") + "\n追記です。\n", encoding="utf-8")
    report = await ingest_paths(
        [other], profile=profile, db=database, content_dir=content, clock=clock
    )
    assert [(f.status, f.number) for f in report.outcomes] == [("new", 2)]


async def test_a_copy_of_a_file_stored_before_fingerprints_is_recognised_too(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    await ingest_all(content, database, profile, clock)
    async with database.transaction() as session:  # as a database from before 0005 has it
        await session.execute(text("UPDATE issue_revisions SET source_hash = NULL"))
    shutil.copyfile(
        content / "issues" / "2025-10-04.txt", content / "issues" / "2025-10-04 copy.txt"
    )

    report = await ingest_all(content, database, profile, clock)

    assert sorted((f.path.name, f.status) for f in report.outcomes) == [
        ("2025-10-04 copy.txt", "copy"),
        ("2025-10-04.txt", "unchanged"),
    ]
    assert [s.number for s in await IssueRepository(database).all_issues()] == [1]


async def test_a_renamed_file_keeps_its_issue(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    await ingest_all(content, database, profile, clock)
    (content / "issues" / "2025-10-04.txt").rename(content / "issues" / "2025-10-04-weekly.txt")

    report = await ingest_all(content, database, profile, clock)
    held = await hold_removed_files(database, content, clock=clock)

    assert [(f.status, f.number, f.note) for f in report.outcomes] == [
        ("unchanged", 1, "renamed from issues/2025-10-04.txt")
    ]
    assert held == []
    stored = await IssueRepository(database).all_issues()
    assert [(s.number, s.source_key, s.held) for s in stored] == [
        (1, "issues/2025-10-04-weekly.txt", None)
    ]


async def test_a_file_removed_before_publication_unschedules_its_issue(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    upcoming = content / "issues" / "2025-10-18.txt"
    upcoming.write_text(DRAFT + "来週号です。\n", encoding="utf-8")
    await ingest_all(content, database, profile, clock)
    repo = IssueRepository(database, clock=clock)
    await repo.mark_published(1, NOW)
    later = datetime(2025, 10, 20, tzinfo=UTC)
    assert [s.number for s in await repo.due(later)] == [2]

    upcoming.unlink()
    (content / "issues" / "2025-10-04.txt").unlink()  # published: stays as it is
    held = await hold_removed_files(database, content, clock=clock)

    assert held == [(2, "issues/2025-10-18.txt")]
    assert await repo.due(later) == []
    assert (await repo.get(2)).held == "removed"  # type: ignore[union-attr]
    assert (await repo.get(1)).held is None  # type: ignore[union-attr]

    # Back again (unchanged): scheduled again.
    upcoming.write_text(DRAFT + "来週号です。\n", encoding="utf-8")
    report = await ingest_paths(
        [upcoming], profile=profile, db=database, content_dir=content, clock=clock
    )
    assert [(f.status, f.restored) for f in report.outcomes] == [("unchanged", True)]
    assert [s.number for s in await repo.due(later)] == [2]


async def test_absurd_numbers_are_refused_per_file_and_the_others_go_in(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    for name, number in [
        ("2025-10-11.txt", "100000000000000000000000000000"),
        ("2025-10-12.txt", "-1"),
        ("2025-10-13.txt", "0"),
        ("2025-10-14.txt", "2.5"),
    ]:
        path = content / "issues" / name
        path.write_text(f"---\nnumber: {number}\n---\n{DRAFT}{name}\n", encoding="utf-8")

    report = await ingest_all(content, database, profile, clock)

    errors = {f.path.name: f.message for f in report.errors}
    assert set(errors) == {"2025-10-11.txt", "2025-10-12.txt", "2025-10-13.txt", "2025-10-14.txt"}
    for name, message in errors.items():
        assert message is not None and f"{name}:2: front matter: 'number'" in message
    assert [s.number for s in await IssueRepository(database).all_issues()] == [1]
