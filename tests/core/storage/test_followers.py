"""LINE followers: follow, choose sections, unfollow (and be forgotten)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.clock import FixedClock
from core.storage import ConversationState, LineFollowers, SubscriptionRepository
from core.storage.database import Database

NOW = datetime(2025, 10, 4, 9, 0, tzinfo=UTC)


async def test_followers_are_grouped_by_their_section_choice(database: Database) -> None:
    clock = FixedClock(NOW)
    followers = LineFollowers(database, clock=clock)
    for n in range(5):
        await followers.add(f"U{n}", language="ja")
        clock.advance(timedelta(seconds=1))
    assert await followers.update("U1", sections=["topic", "afterword"])
    assert await followers.update("U2", sections=["afterword", "topic", "topic"])
    assert await followers.update("U3", sections=["shorts"], language="en")
    assert not await followers.update("nobody", sections=["topic"])

    assert await followers.active_by_sections() == {
        (): ["U0", "U4"],
        ("afterword", "topic"): ["U1", "U2"],
        ("shorts",): ["U3"],
    }
    assert await followers.count() == 5
    u3 = await followers.get("U3")
    assert u3 is not None and u3.language == "en" and u3.sections == ("shorts",)


async def test_a_repeated_follow_event_keeps_the_choice_and_language(database: Database) -> None:
    followers = LineFollowers(database, clock=FixedClock(NOW))
    await followers.add("U1", language="ja")
    await followers.update("U1", sections=["topic"])
    await followers.add("U1")
    again = await followers.get("U1")
    assert again is not None
    assert (again.language, again.sections, again.active) == ("ja", ("topic",), True)
    assert again.followed_at == NOW


async def test_unfollow_forgets_everything_about_the_user(database: Database) -> None:
    clock = FixedClock(NOW)
    followers = LineFollowers(database, clock=clock)
    conversations = ConversationState(database, clock=clock)
    subscriptions = SubscriptionRepository(database, clock=clock)
    await followers.add("U1", language="ja")
    await followers.add("U2", language="ja")
    await conversations.set("line", "U1", {"next": "topic 2"})
    await subscriptions.add(platform="line", target="U1", sections=["topic"])
    await subscriptions.add(platform="line", target="U2")

    await followers.remove("U1")

    assert await followers.get("U1") is None
    assert await conversations.get("line", "U1") is None
    assert [s.target for s in await subscriptions.list()] == ["U2"]
    assert await followers.active_by_sections() == {(): ["U2"]}
    await followers.remove("U1")  # an unfollow event delivered twice is harmless
