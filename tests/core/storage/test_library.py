"""The command engine's Library port over the database: readers see what is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from core.clock import FixedClock
from core.serialize import content_hash
from core.storage import IssueRepository
from core.storage.database import Database
from core.storage.library import DatabaseLibrary
from tests.core.storage.helpers import sample_issue

NOW = datetime(2025, 10, 10, tzinfo=UTC)


async def test_issues_stay_hidden_until_due(database: Database) -> None:
    clock = FixedClock(NOW)
    issues = IssueRepository(database, clock=clock)
    for day in (date(2025, 10, 4), date(2025, 10, 11)):
        issue = sample_issue(day)
        await issues.store(
            issue,
            source_key=f"issues/{day}.txt",
            content_hash=content_hash(issue),
            fmt="text",
            publish_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
        )
    library = DatabaseLibrary(database, clock=clock)

    latest = await library.latest(clock.now())
    assert latest is not None and latest.issue.number == 1 and latest.published
    assert await library.get(2) is None
    assert await library.by_date(date(2025, 10, 11)) is None
    assert [ref.number for ref in await library.recent(10, clock.now())] == [1]
    hits = await library.search("薬価")
    assert [(h.issue.number, h.section_key, h.item) for h in hits] == [(1, "shorts", 0)]

    editor = DatabaseLibrary(database, clock=clock, include_unpublished=True)
    preview = await editor.get(2)
    assert preview is not None and not preview.published
    assert [h.issue.number for h in await editor.search("薬価")] == [2, 1]

    clock.advance(timedelta(days=1))
    record = await library.get(2)
    assert record is not None and record.published
    assert record.issue.date == date(2025, 10, 11)


async def test_the_catalogue_lists_every_issue_with_its_state(database: Database) -> None:
    clock = FixedClock(NOW)
    issues = IssueRepository(database, clock=clock)
    for day in (date(2025, 10, 4), date(2025, 10, 11)):
        issue = sample_issue(day)
        await issues.store(
            issue,
            source_key=f"issues/{day}.txt",
            content_hash=content_hash(issue),
            fmt="text",
            publish_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
        )
    entries = await DatabaseLibrary(database, clock=clock).catalogue(clock.now())
    assert [(e.number, e.published, e.revision, e.corrected) for e in entries] == [
        (1, True, 1, False),
        (2, False, 1, False),
    ]
    assert entries[1].sections == ("topic", "articles", "shorts", "afterword")
    assert entries[1].publish_at == datetime(2025, 10, 11, tzinfo=UTC)


async def test_answers_see_this_process_at_once_and_another_within_the_window(
    database: Database,
) -> None:
    clock = FixedClock(NOW)
    issues = IssueRepository(database, clock=clock)
    elapsed = [0.0]
    library = DatabaseLibrary(database, clock=clock, fresh_for=1.0, monotonic=lambda: elapsed[0])
    first = sample_issue(date(2025, 10, 4))
    await issues.store(
        first, source_key="a.txt", content_hash=content_hash(first), fmt="text", publish_at=None
    )
    latest = await library.latest(clock.now())
    assert latest is not None and latest.issue.number == 1

    # Stored by this process: seen at once, though the head was checked a moment ago.
    second = sample_issue(date(2025, 10, 11))
    await issues.store(
        second, source_key="b.txt", content_hash=content_hash(second), fmt="text", publish_at=None
    )
    latest = await library.latest(clock.now())
    assert latest is not None and latest.issue.number == 2

    # Another process holds issue 2 back (its own connection, nothing announced here).
    other = Database.from_url(database.url.render_as_string(hide_password=False))
    try:
        async with other.transaction() as session:
            await session.execute(
                text("UPDATE issues SET publish_at = :later WHERE number = 2"),
                {"later": NOW + timedelta(days=30)},
            )
    finally:
        await other.dispose()
    elapsed[0] = 0.5
    latest = await library.latest(clock.now())
    assert latest is not None and latest.issue.number == 2  # within the window: as checked
    elapsed[0] = 1.5
    latest = await library.latest(clock.now())
    assert latest is not None and latest.issue.number == 1  # checked again
