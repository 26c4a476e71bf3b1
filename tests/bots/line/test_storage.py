"""The LINE bot's storage pieces on SQLite and, when reachable, PostgreSQL: opting out and
the audience plan, and recording handled events in batches."""

from __future__ import annotations

from datetime import UTC, datetime

from bots.line.followers import LineAudienceBook
from core.clock import FixedClock
from core.storage import Database
from tests.fakes.line_api import users

SECTIONS = ("topic", "articles", "shorts", "afterword")
CLOCK = FixedClock(datetime(2025, 10, 5, tzinfo=UTC))


async def test_an_opted_out_follower_rules_out_the_broadcast(database: Database) -> None:
    book = LineAudienceBook(database, clock=CLOCK)
    for user in users(3):
        await book.add(user)
    assert [p.audience.recipients for p in await book.plan(SECTIONS)] == [("all",)]

    assert await book.set_active(users(3)[1], False)
    [plan] = await book.plan(SECTIONS)
    assert plan.audience.recipients == (users(3)[0], users(3)[2])
    assert await book.opted_out() == 1

    await book.set_active(users(3)[1], True)
    assert [p.audience.recipients for p in await book.plan(SECTIONS)] == [("all",)]
    assert not await book.set_active("U-unknown", False)


async def test_section_choices_become_multicast_groups(database: Database) -> None:
    book = LineAudienceBook(database, clock=CLOCK)
    for user in users(4):
        await book.add(user)
    await book.update(users(4)[0], sections=["afterword"])
    await book.update(users(4)[3], sections=["afterword"])
    plans = await book.plan(SECTIONS)
    assert [(p.audience.recipients, p.sections) for p in plans] == [
        ((users(4)[1], users(4)[2]), ()),
        ((users(4)[0], users(4)[3]), ("afterword",)),
    ]


async def test_choosing_sections_adds_resumes_and_sets_at_once(database: Database) -> None:
    book = LineAudienceBook(database, clock=CLOCK)
    await book.choose("U1", ["afterword", "topic"])
    follower = await book.get("U1")
    assert follower is not None and follower.active and follower.sections == ("afterword", "topic")
    await book.set_active("U1", False)
    await book.choose("U1", [])
    follower = await book.get("U1")
    assert follower is not None and follower.active and follower.sections == ()
