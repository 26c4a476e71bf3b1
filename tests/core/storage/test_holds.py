"""Held issues (cancelled by the editor, drafts) and numbers beyond any issue, in storage."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from core.clock import FixedClock
from core.errors import ContentError, NotFound
from core.serialize import content_hash
from core.storage import IssueRepository
from core.storage.database import Database
from core.storage.heads import IssueHeads
from core.storage.library import DatabaseLibrary
from scheduler.desired import desired_jobs
from tests.core.storage.helpers import sample_issue

NOW = datetime(2025, 10, 10, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)
DUE = NOW + timedelta(days=1)


async def store(repo: IssueRepository, day: date, key: str, *, note: str = "") -> int:
    issue = sample_issue(day, title=f"issue {day} {note}")
    outcome = await repo.store(
        issue,
        source_key=key,
        content_hash=content_hash(issue, publish_at=DUE),
        fmt="text",
        publish_at=DUE,
    )
    return outcome.number


@pytest.fixture
def repo(database: Database) -> IssueRepository:
    return IssueRepository(database, clock=FixedClock(NOW))


async def publication_jobs(database: Database) -> list[str]:
    return [spec.id for spec in await desired_jobs(database) if spec.id.startswith("publish:")]


async def test_a_cancelled_issue_is_neither_due_nor_seen_until_rescheduled(
    repo: IssueRepository, database: Database
) -> None:
    number = await store(repo, date(2025, 10, 11), "issues/2025-10-11.txt")
    assert await publication_jobs(database) == [f"publish:{number}"]

    cancelled = await repo.cancel(number)

    assert cancelled.held == "cancelled"
    assert await repo.due(LATER) == []
    assert await repo.latest(LATER) is None
    assert await publication_jobs(database) == []
    # An edit of its file does not bring it back: the editor said no.
    await store(repo, date(2025, 10, 11), "issues/2025-10-11.txt", note="typo fixed")
    assert (await repo.get(number)).held == "cancelled"  # type: ignore[union-attr]
    assert await repo.due(LATER) == []

    back = await repo.reschedule(number)

    assert back.held is None
    assert [s.number for s in await repo.due(LATER)] == [number]
    assert await publication_jobs(database) == [f"publish:{number}"]


async def test_what_was_published_cannot_be_cancelled(repo: IssueRepository) -> None:
    number = await store(repo, date(2025, 10, 11), "issues/2025-10-11.txt")
    await repo.mark_published(number, NOW)
    with pytest.raises(ContentError, match="can't be cancelled"):
        await repo.cancel(number)
    with pytest.raises(NotFound):
        await repo.cancel(99)


async def test_publishing_by_hand_lifts_a_hold(repo: IssueRepository) -> None:
    issue = replace(sample_issue(date(2025, 10, 11)), date=None)
    outcome = await repo.store(
        issue,
        source_key="issues/notes.txt",
        content_hash=content_hash(issue),
        fmt="text",
        publish_at=None,
        draft=True,
    )
    assert outcome.held == "draft"
    assert await repo.due(LATER) == []
    assert await repo.mark_published(outcome.number, NOW)
    published = await repo.get(outcome.number)
    assert published is not None and published.held is None and published.visible_at(NOW)


@pytest.mark.parametrize("number", [0, -1, 2**31, 10**30])
async def test_numbers_beyond_any_issue_are_simply_not_found(
    repo: IssueRepository, database: Database, number: int
) -> None:
    await store(repo, date(2025, 10, 11), "issues/2025-10-11.txt")
    assert await repo.get(number) is None
    assert await IssueHeads(database).by_number(number) is None
    assert await DatabaseLibrary(database, clock=FixedClock(NOW)).get(number) is None
    with pytest.raises(NotFound):
        await repo.mark_published(number, NOW)
