"""The issues list's light read: numbers, states, sections and lead headlines, on SQLite and
PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core.clock import FixedClock
from core.model import Issue, Item, Section, Span
from core.serialize import content_hash
from core.storage import IssueRepository
from core.storage.catalogue import catalogue
from core.storage.database import Database

NOW = datetime(2025, 10, 5, tzinfo=UTC)


def issue(day: int, *, lead: str | None) -> Issue:
    afterword = Section("afterword", "編集後記", (Item(None, ()),))
    topic = Section("topic", "トピック", (Item((Span(lead),) if lead else None, ()),))
    return Issue(sections=(afterword, topic), date=datetime(2025, 10, day).date())


async def test_entries_in_number_order_with_sections_and_lead(database: Database) -> None:
    repo = IssueRepository(database, clock=FixedClock(NOW))
    for day, lead, at in (
        (4, "最初の見出し", NOW - timedelta(days=1)),
        (11, None, NOW + timedelta(days=6)),
    ):
        stored = issue(day, lead=lead)
        await repo.store(
            stored,
            source_key=f"issues/{day}.txt",
            content_hash=content_hash(stored),
            fmt="text",
            publish_at=at,
        )
    await repo.store(
        replace(issue(4, lead="直した見出し")),
        source_key="issues/4.txt",
        content_hash="changed",
        fmt="text",
        publish_at=NOW - timedelta(days=1),
    )
    entries = await catalogue(database)
    assert [e.number for e in entries] == [1, 2]
    first, second = entries
    assert first.sections == (("afterword", "編集後記"), ("topic", "トピック"))
    assert first.lead == "直した見出し"  # the current revision's, the first titled item
    assert first.corrected and first.revision == 2
    assert first.visible_at(NOW) and not second.visible_at(NOW)
    assert second.lead is None
