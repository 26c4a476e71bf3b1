"""The LINE side of delivery in one place: publisher, friend planner, audiences, counts.

``build_line`` (``haishin serve``), the CLI and the tests build it the same way, so what is
tested is what runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from bots.line.audience_groups import AudienceGroups
from bots.line.client import LineClient
from bots.line.followers import LineAudienceBook
from bots.line.friends import FriendCount
from bots.line.insight import LineInsight
from bots.line.narrowcast import Narrowcaster
from bots.line.planner import LineFriendPlanner
from bots.line.publisher import LinePublisher
from bots.line.render import LineRenderer
from core.clock import Clock
from core.ratelimit import Sleep
from core.storage.database import Database


@dataclass
class LineDelivery:
    """The parts; ``close`` stops the insight rounds (the client's session is closed by
    whoever made the client)."""

    publisher: LinePublisher
    planner: LineFriendPlanner
    audiences: AudienceGroups
    insight: LineInsight
    book: LineAudienceBook

    async def close(self) -> None:
        """Stop the insight rounds."""
        await self.insight.stop()


def build_line_delivery(
    client: LineClient,
    renderer: LineRenderer,
    db: Database,
    *,
    clock: Clock,
    book: LineAudienceBook | None = None,
    include_posts: bool = False,
    now: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    poll: float = 2.0,
) -> LineDelivery:
    """Wire LINE delivery: ``line:all`` means every friend (see ``bots.line.reach``)."""
    book = book or LineAudienceBook(db, clock=clock)
    insight = LineInsight(client, db, clock=clock)
    friends = FriendCount(insight.fetch_follower_day, db, clock=clock)
    planner = LineFriendPlanner(book, db, friends=friends)
    audiences = AudienceGroups(client, db, sleep=sleep, now=now)
    publisher = LinePublisher(
        client,
        renderer,
        follower_count=planner.reach,
        narrowcaster=Narrowcaster(client, audiences, sleep=sleep, now=now, poll=poll),
        include_posts=include_posts,
        now=now,
        sleep=sleep,
    )
    planner.quota = publisher.quota
    return LineDelivery(publisher, planner, audiences, insight, book)
