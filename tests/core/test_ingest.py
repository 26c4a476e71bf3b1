"""Ingest: files → parsed issues → the database, one transaction per file."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import core.storage.issues
from core.clock import FixedClock
from core.errors import ContentError
from core.ingest import FileOutcome, default_issue_paths, ingest_paths
from core.profile import Profile
from core.storage import IssueRepository
from core.storage.database import Database

NOW = datetime(2025, 10, 10, 3, 0, tzinfo=UTC)

MARKDOWN = """---
title: {title}
---
# トピック

## 🚀 {headline}

本文です。{body}

# 編集後記

今週もありがとうございました。
"""


def markdown(headline: str, body: str = "", title: str = "週刊ビジネスレター") -> str:
    return MARKDOWN.format(title=title, headline=headline, body=body)


@pytest.fixture
def content(tmp_path: Path, sample_path: Path) -> Path:
    """A content folder holding the sample issue."""
    issues = tmp_path / "content" / "issues"
    issues.mkdir(parents=True)
    shutil.copyfile(sample_path, issues / "2025-10-04.txt")
    return tmp_path / "content"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


async def ingest(
    paths: list[Path], content: Path, database: Database, profile: Profile, clock: FixedClock
) -> tuple[list[tuple[str, str, int | None]], bool]:
    report = await ingest_paths(
        paths, profile=profile, db=database, content_dir=content, clock=clock
    )
    rows = [(f.source_key, f.status, f.number) for f in report.outcomes]
    return rows, report.ok  # type: ignore[return-value]


async def test_the_sample_issue_goes_in_once_and_then_is_unchanged(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    paths = default_issue_paths(content)
    assert await ingest(paths, content, database, profile, clock) == (
        [("issues/2025-10-04.txt", "new", 1)],
        True,
    )
    stored = await IssueRepository(database).get(1)
    assert stored is not None
    assert [s.key for s in stored.issue.sections] == ["topic", "articles", "shorts", "afterword"]
    # No publish_at in the file: its date at the profile's 07:00 in Asia/Tokyo.
    assert stored.publish_at == datetime(2025, 10, 4, 7, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    topic = stored.issue.sections[0].items[0].title
    assert topic is not None and "CoreWeave" in topic

    clock.advance(timedelta(hours=1))
    assert await ingest(paths, content, database, profile, clock) == (
        [("issues/2025-10-04.txt", "unchanged", 1)],
        True,
    )


async def test_an_edited_file_becomes_a_revision(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    path = content / "issues" / "2025-10-04.txt"
    await ingest([path], content, database, profile, clock)
    path.write_text(
        path.read_text(encoding="utf-8").replace("142億ドル", "140億ドル"), encoding="utf-8"
    )
    clock.advance(timedelta(hours=1))

    report = await ingest_paths(
        [path], profile=profile, db=database, content_dir=content, clock=clock
    )
    assert [(f.status, f.number, f.revision) for f in report.outcomes] == [("revised", 1, 2)]
    stored = await IssueRepository(database).get(1)
    assert stored is not None and stored.corrected and stored.corrected_at == clock.now()
    assert await IssueRepository(database).search("140億ドル")


async def test_only_whitespace_changes_are_not_a_revision(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    path = content / "issues" / "2025-10-04.txt"
    await ingest([path], content, database, profile, clock)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    rows, ok = await ingest([path], content, database, profile, clock)
    assert rows == [("issues/2025-10-04.txt", "unchanged", 1)] and ok


async def test_numbers_follow_the_dates_whatever_the_order_of_the_files(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    issues = content / "issues"
    (issues / "b-late.md").write_text(
        "---\ndate: 2025-10-18\n---\n" + markdown("遅い号").split("---\n", 2)[2], encoding="utf-8"
    )
    (issues / "2025-10-11.md").write_text(markdown("中間の号"), encoding="utf-8")
    (issues / "a-early.md").write_text(
        "---\ndate: 2025-09-27\n---\n" + markdown("早い号").split("---\n", 2)[2], encoding="utf-8"
    )
    rows, ok = await ingest(
        sorted(default_issue_paths(content), reverse=True), content, database, profile, clock
    )
    assert ok
    numbers = {key: number for key, _, number in rows}
    assert numbers == {
        "issues/a-early.md": 1,
        "issues/2025-10-04.txt": 2,
        "issues/2025-10-11.md": 3,
        "issues/b-late.md": 4,
    }
    assert rows[0][0] == "issues/b-late.md", "reported in the order given"


async def test_a_bad_file_is_reported_and_the_others_still_go_in(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    issues = content / "issues"
    (issues / "2025-10-11.txt").write_bytes("トピック\n■ 見出し\n本文です。".encode("cp932"))
    (issues / "2025-10-18.md").write_text("---\ntitle: [unclosed\n---\n本文\n", encoding="utf-8")
    (issues / "2025-10-25.md").write_text(markdown("良い号"), encoding="utf-8")
    seen: list[FileOutcome] = []

    report = await ingest_paths(
        default_issue_paths(content),
        profile=profile,
        db=database,
        content_dir=content,
        clock=clock,
        progress=seen.append,
    )

    assert not report.ok
    assert [f.status for f in report.outcomes] == ["new", "error", "error", "new"]
    assert (report.count("new"), report.count("error")) == (2, 2)
    assert report.summary() == "4 files: 2 new, 0 revised, 0 unchanged, 2 errors"
    assert sorted(f.path.name for f in seen) == sorted(f.path.name for f in report.outcomes)
    undecodable, bad_yaml = report.errors
    assert undecodable.message is not None and "2025-10-11.txt" in undecodable.message
    assert "--encoding" in undecodable.message
    assert bad_yaml.message is not None and "2025-10-18.md" in bad_yaml.message
    assert bad_yaml.line is not None
    stored = await IssueRepository(database).all_issues()
    assert [(s.number, s.source_key) for s in stored] == [
        (1, "issues/2025-10-04.txt"),
        (2, "issues/2025-10-25.md"),
    ]


async def test_a_file_failing_midway_leaves_nothing_half_stored(
    content: Path,
    database: Database,
    profile: Profile,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issues = content / "issues"
    (issues / "2025-10-11.md").write_text(markdown("壊れる号"), encoding="utf-8")
    real = core.storage.issues._add_search_rows

    async def fail_for_one_issue(session, issue_id, issue):
        await real(session, issue_id, issue)
        if issue.date == date(2025, 10, 11):
            # The issue, its revision, sections and items are written by now.
            await session.flush()
            raise ContentError("simulated failure after the rows were written")

    monkeypatch.setattr(core.storage.issues, "_add_search_rows", fail_for_one_issue)

    rows, ok = await ingest(default_issue_paths(content), content, database, profile, clock)

    assert rows == [("issues/2025-10-04.txt", "new", 1), ("issues/2025-10-11.md", "error", None)]
    assert not ok
    repo = IssueRepository(database)
    assert [s.source_key for s in await repo.all_issues()] == ["issues/2025-10-04.txt"]
    assert await repo.search("壊れる号") == [], "no search rows left behind"
    assert await repo.revisions(2) == []


async def test_a_number_clash_names_both_files(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    issues = content / "issues"
    (issues / "2025-10-11.md").write_text(
        markdown("号").replace("title:", "number: 1\ntitle:"), encoding="utf-8"
    )
    report = await ingest_paths(
        default_issue_paths(content),
        profile=profile,
        db=database,
        content_dir=content,
        clock=clock,
    )
    assert [f.status for f in report.outcomes] == ["new", "error"]
    message = report.errors[0].message or ""
    assert "2025-10-11.md" in message and "issues/2025-10-04.txt" in message
    assert "number" in message


async def test_a_path_given_twice_is_ingested_once(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    path = content / "issues" / "2025-10-04.txt"
    rows, _ = await ingest(
        [path, path, content / "issues" / ".." / "issues" / path.name],
        content,
        database,
        profile,
        clock,
    )
    assert rows == [("issues/2025-10-04.txt", "new", 1)]


def test_default_paths_are_every_issue_file_under_issues(tmp_path: Path) -> None:
    assert default_issue_paths(tmp_path) == []
    issues = tmp_path / "issues"
    (issues / "2026" / "07").mkdir(parents=True)
    (issues / ".git").mkdir()
    for name in (
        "2025-10-04.txt",
        "b.MD",
        "c.markdown",
        "2026/07/19.md",
        "notes.pdf",
        ".draft.md",
        ".git/x.md",
        "d.md~",
    ):
        (issues / name).write_text("x", encoding="utf-8")
    (issues / "folder.md").mkdir()
    assert [p.relative_to(issues).as_posix() for p in default_issue_paths(tmp_path)] == [
        "2025-10-04.txt",
        "2026/07/19.md",
        "b.MD",
        "c.markdown",
    ]


async def test_a_file_in_another_encoding_goes_in_when_named(
    content: Path, database: Database, profile: Profile, clock: FixedClock
) -> None:
    legacy = content / "issues" / "2025-10-11.txt"
    legacy.write_bytes("トピック\n■ 見出し\n本文です。\n".encode("cp932"))
    report = await ingest_paths(
        [legacy], profile=profile, db=database, content_dir=content, clock=clock, encoding="cp932"
    )
    assert [(f.status, f.number) for f in report.outcomes] == [("new", 1)]
    assert await IssueRepository(database).search("本文です")
