"""Subscriptions: who gets what and when, unique per target, paused with a reason."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.clock import FixedClock
from core.errors import NotFound
from core.serialize import content_hash
from core.slot import WeeklySlot
from core.storage import IssueRepository, SubscriptionRepository
from core.storage.database import Database
from tests.core.storage.helpers import sample_issue

NOW = datetime(2025, 10, 10, 9, 0, tzinfo=UTC)
SATURDAY_NINE = WeeklySlot(weekday=5, at=time(9, 0), zone=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def subs(database: Database, clock: FixedClock) -> SubscriptionRepository:
    return SubscriptionRepository(database, clock=clock)


async def test_a_weekly_slack_subscription_round_trips(subs: SubscriptionRepository) -> None:
    added = await subs.add(
        platform="slack",
        workspace="T123",
        target="C456",
        sections=["topic", "articles"],
        cadence="weekly",
        slot=SATURDAY_NINE,
    )
    assert added.address == "slack:T123/C456"
    assert added.slot == SATURDAY_NINE and added.cadence == "weekly"
    assert added.active and added.paused_reason is None
    assert await subs.get(added.id) == added
    assert await subs.find("slack", "C456", workspace="T123") == added
    assert await subs.find("slack", "C456", workspace="T999") is None


async def test_a_target_has_one_subscription_which_a_second_add_changes(
    subs: SubscriptionRepository,
) -> None:
    first = await subs.add(platform="line", target="all")
    again = await subs.add(platform="line", target="all", sections=["topic"])
    assert again.id == first.id and again.sections == ("topic",)
    same_channel = await subs.add(platform="slack", workspace="T1", target="C1")
    other_team = await subs.add(platform="slack", workspace="T2", target="C1")
    assert same_channel.id != other_team.id
    assert len(await subs.list()) == 3
    assert [s.address for s in await subs.list(platform="slack", workspace="T2")] == ["slack:T2/C1"]


async def test_adding_the_same_target_at_once_makes_one_subscription(
    subs: SubscriptionRepository,
) -> None:
    results = await asyncio.gather(
        *(subs.add(platform="line", target="U1", sections=["topic"]) for _ in range(5))
    )
    assert len({s.id for s in results}) == 1
    assert len(await subs.list()) == 1


async def test_a_new_subscriber_starts_after_the_newest_issue_out_by_now(
    database: Database, subs: SubscriptionRepository, clock: FixedClock
) -> None:
    issues = IssueRepository(database, clock=clock)
    for day in (date(2025, 9, 27), date(2025, 10, 4), date(2025, 10, 11)):
        publish_at = datetime(day.year, day.month, day.day, tzinfo=UTC)
        issue = sample_issue(day)
        await issues.store(
            issue,
            source_key=f"issues/{day}.txt",
            content_hash=content_hash(issue),
            fmt="text",
            publish_at=publish_at,
        )
    assert (await subs.add(platform="line", target="U1")).starts_after == 2
    assert (await subs.add(platform="line", target="U2", starts_after=0)).starts_after == 0
    clock.advance(timedelta(days=7))
    assert (await subs.add(platform="line", target="U1")).starts_after == 2, "kept on change"


async def test_update_pause_resume_and_remove(subs: SubscriptionRepository) -> None:
    sub = await subs.add(platform="slack", workspace="T1", target="C1")
    weekly = await subs.update(sub.id, cadence="weekly", slot=SATURDAY_NINE, sections=["topic"])
    assert (weekly.cadence, weekly.slot, weekly.sections) == ("weekly", SATURDAY_NINE, ("topic",))
    monday = WeeklySlot(weekday=0, at=time(8, 30), zone=ZoneInfo("Europe/Berlin"))
    assert (await subs.update(sub.id, slot=monday)).slot == monday
    back = await subs.update(sub.id, cadence="on-publish")
    assert back.cadence == "on-publish" and back.slot is None
    with pytest.raises(ValueError, match="slot"):
        await subs.update(sub.id, cadence="weekly")

    paused = await subs.pause(sub.id, "channel_not_found: the channel was deleted")
    assert (
        not paused.active and paused.paused_reason == "channel_not_found: the channel was deleted"
    )
    assert await subs.list(active=True) == []
    resumed = await subs.resume(sub.id)
    assert resumed.active and resumed.paused_reason is None

    assert await subs.remove(sub.id) is True
    assert await subs.remove(sub.id) is False
    with pytest.raises(NotFound):
        await subs.pause(sub.id, "gone")


async def test_uninstalling_pauses_the_workspace(subs: SubscriptionRepository) -> None:
    await subs.add(platform="slack", workspace="T1", target="C1")
    await subs.add(platform="slack", workspace="T1", target="C2")
    await subs.add(platform="slack", workspace="T2", target="C1")
    assert await subs.pause_workspace("slack", "T1", "app_uninstalled") == 2
    assert [s.address for s in await subs.list(active=True)] == ["slack:T2/C1"]
    assert {s.paused_reason for s in await subs.list(active=False)} == {"app_uninstalled"}


async def test_a_weekly_cadence_needs_a_slot(subs: SubscriptionRepository) -> None:
    with pytest.raises(ValueError, match="slot"):
        await subs.add(platform="line", target="all", cadence="weekly")
    with pytest.raises(ValueError, match="cadence"):
        await subs.add(platform="line", target="all", cadence="daily")  # type: ignore[arg-type]
    assert await subs.list() == []
