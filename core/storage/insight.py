"""``PlatformInsight``: the platforms' own numbers, stored beside our counts.

LINE reports, for a broadcast or narrowcast, how many it reached and how many opened it
(``/v2/bot/insight/message/event``), and per day how many friends the account has
(``/v2/bot/insight/followers``). The sends to ask about are found in the delivery ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.stats.ports import MessageInsight
from core.storage.base import Repository
from core.storage.models import DeliveryRow, IssueRow, SubscriptionRow
from core.storage.stats_tables import PlatformFollowerCountRow, PlatformMessageStatsRow


@dataclass(frozen=True, slots=True)
class MessageNumbers:
    """What the platform said about one send (None where it said nothing)."""

    delivered: int | None
    impressions: int | None
    unique_impressions: int | None
    unique_clicks: int | None
    clicks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TrackedSend:
    """A send whose numbers are due to be asked for."""

    request_id: str
    sent_at: datetime


class PlatformInsight(Repository):
    """The platforms' numbers about our sends and our friends."""

    async def track_sends(
        self, platform: str, prefix: str, *, since: datetime, first_fetch: timedelta
    ) -> int:
        """Start tracking every send in the ledger whose ``sent_ref`` starts with ``prefix``
        (``line:broadcast:``) and that was sent since ``since``; its numbers are first asked
        for ``first_fetch`` after it went. Returns how many were new."""
        query = (
            select(DeliveryRow.sent_ref, DeliveryRow.issue_id, DeliveryRow.updated_at)
            .join(SubscriptionRow, SubscriptionRow.id == DeliveryRow.subscription_id)
            .where(
                SubscriptionRow.platform == platform,
                DeliveryRow.state == "sent",
                DeliveryRow.sent_ref.like(prefix + "%"),
                DeliveryRow.updated_at >= since,
            )
        )
        async with self._read() as session:
            sends = (await session.execute(query)).all()
            known = set(
                await session.scalars(
                    select(PlatformMessageStatsRow.request_id).where(
                        PlatformMessageStatsRow.platform == platform
                    )
                )
            )
        rows = [
            {
                "platform": platform,
                "request_id": ref[len(prefix) :],
                "issue_id": issue_id,
                "sent_at": sent_at,
                "next_fetch_at": sent_at + first_fetch,
                "clicks": [],
            }
            for ref, issue_id, sent_at in sends
            if ref and ref[len(prefix) :] and ref[len(prefix) :] not in known
        ]
        if not rows:
            return 0
        insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
        async with self._write() as session:
            await session.execute(
                insert(PlatformMessageStatsRow).values(rows).on_conflict_do_nothing()
            )
        return len(rows)

    async def due(self, platform: str, now: datetime, *, limit: int = 50) -> list[TrackedSend]:
        """Sends whose numbers are due now, the longest waiting first."""
        query = (
            select(PlatformMessageStatsRow.request_id, PlatformMessageStatsRow.sent_at)
            .where(
                PlatformMessageStatsRow.platform == platform,
                PlatformMessageStatsRow.next_fetch_at.is_not(None),
                PlatformMessageStatsRow.next_fetch_at <= now,
            )
            .order_by(PlatformMessageStatsRow.next_fetch_at)
            .limit(limit)
        )
        async with self._read() as session:
            return [TrackedSend(r, s) for r, s in (await session.execute(query)).all()]

    async def record(
        self,
        platform: str,
        request_id: str,
        numbers: MessageNumbers | None,
        *,
        next_fetch_at: datetime | None,
    ) -> None:
        """Keep what the platform said (None: it said nothing yet) and when to ask again
        (None: never)."""
        async with self._write() as session:
            row = await session.get(PlatformMessageStatsRow, (platform, request_id))
            if row is None:
                return
            row.next_fetch_at = next_fetch_at
            if numbers is not None:
                row.fetched_at = self._clock.now()
                row.delivered = numbers.delivered
                row.impressions = numbers.impressions
                row.unique_impressions = numbers.unique_impressions
                row.unique_clicks = numbers.unique_clicks
                row.clicks = list(numbers.clicks)

    async def by_issue(self, issues: Sequence[int]) -> dict[tuple[int, str], MessageInsight]:
        """The numbers of each issue's sends, summed, per (issue number, platform)."""
        if not issues:
            return {}
        query = (
            select(IssueRow.number, PlatformMessageStatsRow)
            .join(IssueRow, IssueRow.id == PlatformMessageStatsRow.issue_id)
            .where(IssueRow.number.in_(list(issues)))
            .order_by(PlatformMessageStatsRow.sent_at)
        )
        async with self._read() as session:
            rows = (await session.execute(query)).all()
        grouped: dict[tuple[int, str], list[PlatformMessageStatsRow]] = {}
        for number, row in rows:
            grouped.setdefault((int(number), row.platform), []).append(row)
        return {key: _summed(found) for key, found in grouped.items()}

    async def follower_days(self, platform: str, start: date, end: date) -> set[date]:
        """Days from ``start`` to ``end`` (included) whose counts the platform gave as ready."""
        query = select(PlatformFollowerCountRow.day).where(
            PlatformFollowerCountRow.platform == platform,
            PlatformFollowerCountRow.status == "ready",
            PlatformFollowerCountRow.day >= start,
            PlatformFollowerCountRow.day <= end,
        )
        async with self._read() as session:
            return set(await session.scalars(query))

    async def latest_followers(
        self, platform: str, since: date
    ) -> tuple[date, int | None, int | None] | None:
        """The newest ready friend counts from ``since`` on: (day, followers, blocks)."""
        query = (
            select(
                PlatformFollowerCountRow.day,
                PlatformFollowerCountRow.followers,
                PlatformFollowerCountRow.blocks,
            )
            .where(
                PlatformFollowerCountRow.platform == platform,
                PlatformFollowerCountRow.status == "ready",
                PlatformFollowerCountRow.day >= since,
            )
            .order_by(PlatformFollowerCountRow.day.desc())
            .limit(1)
        )
        async with self._read() as session:
            row = (await session.execute(query)).first()
        return None if row is None else (row[0], row[1], row[2])

    async def record_followers(
        self,
        platform: str,
        day: date,
        *,
        status: str,
        followers: int | None,
        targeted_reaches: int | None,
        blocks: int | None,
    ) -> None:
        """Keep the platform's friend counts of a day (replacing an earlier reading)."""
        insert: Any = pg_insert if self.dialect == "postgresql" else sqlite_insert
        values = {
            "platform": platform,
            "day": day,
            "status": status[:20],
            "followers": followers,
            "targeted_reaches": targeted_reaches,
            "blocks": blocks,
            "fetched_at": self._clock.now(),
        }
        statement = insert(PlatformFollowerCountRow).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["platform", "day"],
            set_={k: statement.excluded[k] for k in values if k not in ("platform", "day")},
        )
        async with self._write() as session:
            await session.execute(statement)

    async def count_tracked(self, platform: str) -> int:
        """How many sends are tracked (for tests and the console)."""
        query = select(func.count()).where(PlatformMessageStatsRow.platform == platform)
        async with self._read() as session:
            return int(await session.scalar(query) or 0)


def _total(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known and len(known) == len(values) else None


def _summed(rows: list[PlatformMessageStatsRow]) -> MessageInsight:
    fetched = [r for r in rows if r.fetched_at is not None]
    clicks: dict[str, tuple[int | None, int | None]] = {}
    for row in fetched:
        for click in row.clicks or []:
            url = str(click.get("url") or "")
            before = clicks.get(url, (0, 0))
            clicks[url] = (
                _plus(before[0], click.get("click")),
                _plus(before[1], click.get("uniqueClick")),
            )
    complete = len(fetched) == len(rows)
    return MessageInsight(
        requests=len(rows),
        fetched=len(fetched),
        delivered=_total([r.delivered for r in rows]) if complete else None,
        impressions=_total([r.impressions for r in rows]) if complete else None,
        unique_impressions=_total([r.unique_impressions for r in rows]) if complete else None,
        unique_clicks=_total([r.unique_clicks for r in rows]) if complete else None,
        clicks=tuple((url, c, u) for url, (c, u) in clicks.items()),
    )


def _plus(a: int | None, b: Any) -> int | None:
    if a is None or not isinstance(b, int):
        return None
    return a + b
