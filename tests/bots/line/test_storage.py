"""The LINE bot's storage pieces on SQLite and, when reachable, PostgreSQL: opting out and
the audience plan, and recording handled events in batches."""

from __future__ import annotations

from datetime import UTC, datetime

from bots.line.followers import LineAudienceBook
from bots.line.planner import LineFriendPlanner
from core.clock import FixedClock
from core.storage import Database, SubscriptionRepository
from tests.fakes.line_api import users

SECTIONS = ("topic", "articles", "shorts", "afterword")
CLOCK = FixedClock(datetime(2025, 10, 5, tzinfo=UTC))


async def plan(
    book: LineAudienceBook, database: Database
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    subscription = await SubscriptionRepository(database).add(platform="line", target="all")
    choice = await LineFriendPlanner(book, database).plan(subscription, SECTIONS)
    await SubscriptionRepository(database).remove(subscription.id)
    return [(b.recipients, b.sections) for b in choice.batches]


async def test_an_opted_out_follower_is_left_out_of_line_all(database: Database) -> None:
    book = LineAudienceBook(database, clock=CLOCK)
    for user in users(3):
        await book.add(user)
    assert await plan(book, database) == [(("all",), ())]

    assert await book.set_active(users(3)[1], False)
    # Too few readers for LINE's audience of 50: the known ones by multicast.
    assert await plan(book, database) == [((users(3)[0], users(3)[2]), ())]
    assert await book.opted_out() == 1
    assert await book.opted_out_ids() == [users(3)[1]]

    await book.set_active(users(3)[1], True)
    assert await plan(book, database) == [(("all",), ())]
    assert not await book.set_active("U-unknown", False)


async def test_section_choices_become_multicast_groups(database: Database) -> None:
    book = LineAudienceBook(database, clock=CLOCK)
    for user in users(4):
        await book.add(user)
    await book.update(users(4)[0], sections=["afterword"])
    await book.update(users(4)[3], sections=["afterword"])
    assert await plan(book, database) == [
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
