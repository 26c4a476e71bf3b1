"""``StatsRepository``: reading stats in the database (the ``StatsStore`` and ``StatsSource``
of ``core.stats``).

Counts are added with one upsert per table and batch (``INSERT ... ON CONFLICT DO UPDATE
SET n = n + excluded.n``, the same on SQLite and PostgreSQL), so any number of processes
add to the same rows without reading them first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, desc, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.stats.model import SectionCounts, StatsBatch
from core.stats.ports import (
    CountKey,
    FollowerDay,
    MessageInsight,
    SearchLine,
    StatsSource,
    StatsStore,
)
from core.storage.base import Repository
from core.storage.database import Database
from core.storage.insight import PlatformInsight
from core.storage.stats_ledger import ledger_deliveries
from core.storage.stats_tables import (
    PlatformFollowerCountRow,
    PlatformMessageStatsRow,
    StatsFollowerRow,
    StatsReadRow,
    StatsSearchRow,
)


class StatsRepository(Repository, StatsStore, StatsSource):
    """Reading stats, with days in the newsletter's time zone.

    Args:
        source: the database (or a session to share).
        clock: the time.
        zone: the newsletter's time zone (the day a delivery counts on).
    """

    def __init__(
        self,
        source: Database | AsyncSession,
        *,
        clock: Clock | None = None,
        zone: ZoneInfo | None = None,
    ) -> None:
        super().__init__(source, clock=clock)
        self.zone = zone or ZoneInfo("UTC")
        self.platform_numbers = PlatformInsight(source, clock=clock)

    # ---- StatsStore -----------------------------------------------------------------------

    async def add(self, batch: StatsBatch) -> None:
        reads = [
            {
                "day": k.day,
                "issue": k.issue,
                "section": k.section[:200],
                "platform": k.platform,
                "opened": c.opened,
                "asked": c.asked,
                "pages": c.pages,
            }
            for k, c in batch.sections.items()
        ]
        searches = [
            {
                "day": k.day,
                "platform": k.platform,
                "query": k.query,
                "count": c.count,
                "hits": c.hits,
            }
            for k, c in batch.searches.items()
        ]
        followers = [
            {
                "day": day,
                "platform": platform,
                "follows": c.follows,
                "unfollows": c.unfollows,
                "unblocks": c.unblocks,
            }
            for (day, platform), c in batch.followers.items()
        ]
        async with self._write() as session:
            await self._upsert(
                session,
                StatsReadRow,
                reads,
                ("day", "issue", "section", "platform"),
                added=("opened", "asked", "pages"),
            )
            await self._upsert(
                session,
                StatsSearchRow,
                searches,
                ("day", "platform", "query"),
                added=("count",),
                replaced=("hits",),
            )
            await self._upsert(
                session,
                StatsFollowerRow,
                followers,
                ("day", "platform"),
                added=("follows", "unfollows", "unblocks"),
            )

    async def _upsert(
        self,
        session: AsyncSession,
        table: Any,
        rows: list[dict[str, Any]],
        keys: tuple[str, ...],
        *,
        added: tuple[str, ...],
        replaced: tuple[str, ...] = (),
    ) -> None:
        if not rows:
            return
        insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
        # One upsert, compiled once and cached, over all the rows (the driver's executemany);
        # a multi-row VALUES would be compiled anew for each batch size.
        statement = insert(table.__table__)
        changes = {name: table.__table__.c[name] + statement.excluded[name] for name in added}
        changes |= {name: statement.excluded[name] for name in replaced}
        await session.execute(
            statement.on_conflict_do_update(index_elements=list(keys), set_=changes), rows
        )

    async def prune(self, before: date) -> int:
        removed = 0
        async with self._write() as session:
            for table in (StatsReadRow, StatsSearchRow, StatsFollowerRow, PlatformFollowerCountRow):
                result = await session.execute(delete(table).where(table.day < before))
                removed += int(getattr(result, "rowcount", 0) or 0)
            cutoff = datetime.combine(before, time.min, tzinfo=self.zone)
            result = await session.execute(
                delete(PlatformMessageStatsRow).where(PlatformMessageStatsRow.sent_at < cutoff)
            )
            removed += int(getattr(result, "rowcount", 0) or 0)
        return removed

    # ---- StatsSource ----------------------------------------------------------------------

    async def section_counts(
        self, issues: Sequence[int], since: date | None = None
    ) -> dict[CountKey, SectionCounts]:
        if not issues:
            return {}
        query = (
            select(
                StatsReadRow.issue,
                StatsReadRow.section,
                StatsReadRow.platform,
                func.sum(StatsReadRow.opened),
                func.sum(StatsReadRow.asked),
                func.sum(StatsReadRow.pages),
            )
            .where(StatsReadRow.issue.in_(list(issues)))
            .group_by(StatsReadRow.issue, StatsReadRow.section, StatsReadRow.platform)
        )
        if since is not None:
            query = query.where(StatsReadRow.day >= since)
        async with self._read() as session:
            rows = (await session.execute(query)).all()
        return {
            (int(issue), str(section), str(platform)): SectionCounts(
                int(opened or 0), int(asked or 0), int(pages or 0)
            )
            for issue, section, platform, opened, asked, pages in rows
        }

    async def delivered(
        self, issues: Sequence[int], since: date | None = None
    ) -> dict[CountKey, int | None]:
        if not issues:
            return {}
        async with self._read() as session:
            return await ledger_deliveries(
                session, self.dialect, issues, zone=self.zone, since=since
            )

    async def searches(
        self, start: date | None, end: date | None, *, limit: int, zero_hits: bool
    ) -> list[SearchLine]:
        total = func.sum(StatsSearchRow.count)
        hits = func.min(StatsSearchRow.hits) if zero_hits else func.max(StatsSearchRow.hits)
        query = select(StatsSearchRow.query, total, hits).group_by(StatsSearchRow.query)
        query = query.where(StatsSearchRow.hits == 0 if zero_hits else StatsSearchRow.hits > 0)
        if start is not None:
            query = query.where(StatsSearchRow.day >= start)
        if end is not None:
            query = query.where(StatsSearchRow.day < end)
        query = query.order_by(desc(total), StatsSearchRow.query).limit(limit)
        async with self._read() as session:
            rows = (await session.execute(query)).all()
        return [SearchLine(str(q), int(c or 0), int(h or 0)) for q, c, h in rows]

    async def followers(self, start: date | None, end: date | None) -> list[FollowerDay]:
        ours = select(
            StatsFollowerRow.day,
            func.sum(StatsFollowerRow.follows),
            func.sum(StatsFollowerRow.unfollows),
            func.sum(StatsFollowerRow.unblocks),
        ).group_by(StatsFollowerRow.day)
        theirs = select(PlatformFollowerCountRow).where(PlatformFollowerCountRow.platform == "line")
        if start is not None:
            ours = ours.where(StatsFollowerRow.day >= start)
            theirs = theirs.where(PlatformFollowerCountRow.day >= start)
        if end is not None:
            ours = ours.where(StatsFollowerRow.day < end)
            theirs = theirs.where(PlatformFollowerCountRow.day < end)
        async with self._read() as session:
            counted = {
                day: (int(f or 0), int(u or 0), int(b or 0))
                for day, f, u, b in (await session.execute(ours)).all()
            }
            reported = {row.day: row for row in await session.scalars(theirs)}
        days = sorted(set(counted) | set(reported))
        out = []
        for day in days:
            follows, unfollows, unblocks = counted.get(day, (0, 0, 0))
            line = reported.get(day)
            ready = line is not None and line.status == "ready"
            out.append(
                FollowerDay(
                    day,
                    follows,
                    unfollows,
                    unblocks,
                    friends=line.followers if ready and line else None,
                    blocks=line.blocks if ready and line else None,
                    targeted_reaches=line.targeted_reaches if ready and line else None,
                )
            )
        return out

    async def insight(self, issues: Sequence[int]) -> dict[tuple[int, str], MessageInsight]:
        return await self.platform_numbers.by_issue(issues)
