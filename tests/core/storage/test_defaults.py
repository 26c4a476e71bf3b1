"""Defaults applied once per database, never again after an operator undoes them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from core.clock import FixedClock
from core.storage import SubscriptionRepository
from core.storage.database import Database
from core.storage.defaults import Defaults

CLOCK = FixedClock(datetime(2025, 10, 10, 9, 0, tzinfo=UTC))
NAME = "line:all subscription"


async def test_a_default_subscription_is_made_once(database: Database) -> None:
    defaults = Defaults(database, clock=CLOCK)
    subscriptions = SubscriptionRepository(database, clock=CLOCK)
    created = await defaults.subscribe_once(NAME, platform="line", target="all")
    assert created is not None
    assert await subscriptions.find("line", "all") == created
    assert await defaults.subscribe_once(NAME, platform="line", target="all") is None

    await subscriptions.remove(created.id)
    assert await defaults.subscribe_once(NAME, platform="line", target="all") is None
    assert await subscriptions.find("line", "all") is None


async def test_an_existing_subscription_is_kept_as_the_operator_set_it(database: Database) -> None:
    subscriptions = SubscriptionRepository(database, clock=CLOCK)
    mine = await subscriptions.add(platform="line", target="all", sections=["topic"])
    assert (
        await Defaults(database, clock=CLOCK).subscribe_once(NAME, platform="line", target="all")
        is None
    )
    assert await subscriptions.find("line", "all") == mine


async def test_processes_starting_together_make_one_subscription(database: Database) -> None:
    results = await asyncio.gather(
        *(
            Defaults(database, clock=CLOCK).subscribe_once(NAME, platform="line", target="all")
            for _ in range(5)
        )
    )
    assert sum(r is not None for r in results) == 1
    assert len(await SubscriptionRepository(database).list(platform="line")) == 1
