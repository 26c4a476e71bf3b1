"""Stored issues: new, unchanged and revised content, numbering, publication state."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.clock import FixedClock
from core.errors import ContentError, NotFound
from core.model import Issue, Section
from core.serialize import content_hash
from core.storage import IssueRepository
from core.storage.database import Database
from tests.core.storage.helpers import item, sample_issue

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2025, 10, 10, 12, 0, tzinfo=UTC)


def at_seven(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=TOKYO)


async def store(
    repo: IssueRepository, issue: Issue, key: str, *, back_catalogue: bool = False
) -> tuple[str, int, int]:
    publish_at = at_seven(issue.date) if issue.date else None
    outcome = await repo.store(
        issue,
        source_key=key,
        content_hash=content_hash(issue, publish_at=publish_at),
        fmt="text",
        publish_at=publish_at,
        back_catalogue=back_catalogue,
    )
    return outcome.status, outcome.number, outcome.revision


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def repo(database: Database, clock: FixedClock) -> IssueRepository:
    return IssueRepository(database, clock=clock)


async def test_a_new_issue_is_stored_whole_and_read_back_equal(repo: IssueRepository) -> None:
    issue = sample_issue()
    assert await store(repo, issue, "issues/2025-10-04.txt") == ("new", 1, 1)

    stored = await repo.get(1)
    assert stored is not None
    assert stored.issue == replace(issue, number=1)
    assert stored.source_key == "issues/2025-10-04.txt"
    assert stored.publish_at == at_seven(date(2025, 10, 4))
    assert stored.publish_at is not None and stored.publish_at.tzinfo is not None
    assert stored.published_at is None
    assert not stored.corrected and not stored.back_catalogue
    assert stored.created_at == NOW
    assert await repo.get_by_source("issues/2025-10-04.txt") == stored
    assert await repo.by_date(date(2025, 10, 4)) == stored
    assert await repo.get(2) is None


async def test_storing_the_same_content_again_writes_nothing(
    repo: IssueRepository, clock: FixedClock
) -> None:
    issue = sample_issue()
    await store(repo, issue, "issues/2025-10-04.txt")
    before = await repo.get(1)
    clock.advance(timedelta(hours=1))

    assert await store(repo, issue, "issues/2025-10-04.txt") == ("unchanged", 1, 1)
    assert await repo.get(1) == before
    assert len(await repo.revisions(1)) == 1


async def test_changed_content_becomes_a_revision_and_marks_the_issue_corrected(
    repo: IssueRepository, clock: FixedClock
) -> None:
    first = sample_issue()
    await store(repo, first, "issues/2025-10-04.txt")
    clock.advance(timedelta(hours=2))
    fixed = replace(
        first,
        sections=(
            Section(
                "topic", "トピック", (item("🚀 CoreWeave、Metaと契約", "訂正: 140億ドル規模。"),)
            ),
            *first.sections[1:],
        ),
    )

    assert await store(repo, fixed, "issues/2025-10-04.txt") == ("revised", 1, 2)

    stored = await repo.get(1)
    assert stored is not None
    assert stored.revision == 2 and stored.issue == replace(fixed, number=1)
    assert stored.corrected and stored.corrected_at == NOW + timedelta(hours=2)
    history = await repo.revisions(1)
    assert [r.revision for r in history] == [1, 2]
    assert history[0].issue == replace(first, number=1), "the old revision is kept"
    assert history[0].content_hash != history[1].content_hash
    # Search follows the current revision only.
    assert [h.item_title for h in await repo.search("訂正")] == ["🚀 CoreWeave、Metaと契約"]
    assert await repo.search("142億ドル") == []


async def test_numbers_follow_store_order_unless_the_front_matter_gives_one(
    repo: IssueRepository,
) -> None:
    assert (await store(repo, sample_issue(date(2025, 9, 27)), "issues/a.txt"))[1] == 1
    assert (await store(repo, sample_issue(date(2025, 10, 4)), "issues/b.txt"))[1] == 2
    numbered = sample_issue(date(2025, 10, 11), number=10)
    assert (await store(repo, numbered, "issues/c.md"))[1] == 10
    assert (await store(repo, sample_issue(date(2025, 10, 18)), "issues/d.txt"))[1] == 11
    assert [s.number for s in await repo.all_issues()] == [1, 2, 10, 11]


async def test_a_number_taken_by_another_file_is_refused_and_nothing_is_stored(
    repo: IssueRepository,
) -> None:
    await store(repo, sample_issue(date(2025, 9, 27), number=7), "issues/first.md")
    clash = sample_issue(date(2025, 10, 4), number=7)

    with pytest.raises(ContentError) as caught:
        await store(repo, clash, "issues/second.md")

    message = str(caught.value)
    assert "issue number 7 is already taken by issues/first.md" in message
    assert caught.value.path == "issues/second.md"
    assert "front matter" in (caught.value.hint or "")
    assert await repo.get_by_source("issues/second.md") is None
    assert [s.source_key for s in await repo.all_issues()] == ["issues/first.md"]


async def test_a_revision_may_renumber_an_issue_to_a_free_number(repo: IssueRepository) -> None:
    await store(repo, sample_issue(), "issues/x.md")
    await store(repo, sample_issue(number=5), "issues/x.md")
    assert await repo.get(1) is None
    stored = await repo.get(5)
    assert stored is not None and stored.issue.number == 5 and stored.revision == 2


async def test_text_with_a_nul_character_is_refused_with_a_hint(repo: IssueRepository) -> None:
    broken = sample_issue(title="週刊\x00レター")
    with pytest.raises(ContentError, match="NUL") as caught:
        await store(repo, broken, "issues/broken.txt")
    assert "--encoding" in (caught.value.hint or "")
    assert await repo.all_issues() == []


async def test_latest_and_recent_show_what_is_due_or_published(repo: IssueRepository) -> None:
    for day in (date(2025, 9, 27), date(2025, 10, 4), date(2025, 10, 11)):
        await store(repo, sample_issue(day), f"issues/{day}.txt")
    # NOW is 2025-10-10: the 10-11 issue is not due yet.
    latest = await repo.latest(NOW)
    assert latest is not None and latest.number == 2
    assert [s.number for s in await repo.recent(10, NOW)] == [2, 1]
    assert [s.number for s in await repo.recent(1, NOW)] == [2]
    assert [s.number for s in await repo.due(NOW)] == [1, 2]

    # Published early (haishin publish 3): it is the latest from then on.
    assert await repo.mark_published(3, NOW) is True
    assert await repo.mark_published(3, NOW + timedelta(hours=1)) is False
    latest = await repo.latest(NOW)
    assert latest is not None and latest.number == 3 and latest.published_at == NOW
    assert latest.visible_at(NOW)
    with pytest.raises(NotFound):
        await repo.mark_published(99, NOW)


async def test_back_catalogue_issues_are_readable_but_never_due(repo: IssueRepository) -> None:
    await store(repo, sample_issue(date(2025, 9, 27)), "feed:old", back_catalogue=True)
    stored = await repo.get(1)
    assert stored is not None and stored.back_catalogue
    assert await repo.due(NOW) == []
    latest = await repo.latest(NOW)
    assert latest is not None and latest.number == 1


async def test_an_issue_without_date_or_schedule_is_visible_at_once(repo: IssueRepository) -> None:
    undated = replace(sample_issue(), date=None)
    assert await store(repo, undated, "issues/undated.md") == ("new", 1, 1)
    latest = await repo.latest(NOW)
    assert latest is not None and latest.publish_at is None


async def test_concurrent_stores_get_distinct_numbers(repo: IssueRepository) -> None:
    days = [date(2025, 1, 1) + timedelta(days=7 * n) for n in range(8)]
    outcomes = await asyncio.gather(
        *(store(repo, sample_issue(day), f"issues/{day}.txt") for day in days)
    )
    assert sorted(number for _, number, _ in outcomes) == list(range(1, 9))


async def test_publishers_racing_publish_an_issue_once(repo: IssueRepository) -> None:
    """Two publication jobs (or a job and `haishin publish`) at the same moment: one of them
    publishes, the other finds it out already, and the first time stays recorded."""
    await store(repo, sample_issue(date(2025, 10, 4)), "issues/2025-10-04.txt")
    times = [NOW + timedelta(seconds=n) for n in range(6)]
    results = await asyncio.gather(*(repo.mark_published(1, at) for at in times))
    assert sorted(results) == [False] * 5 + [True]
    stored = await repo.get(1)
    assert stored is not None and stored.published_at == times[results.index(True)]
