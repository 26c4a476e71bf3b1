"""Subscriptions: who gets which sections of each issue, and when."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.slot import WeeklySlot
from core.storage.base import Repository
from core.storage.models import IssueRow, SubscriptionRow

Cadence = Literal["on-publish", "weekly"]
ALL = "all"  # the target meaning "every LINE follower"
_MAX_ID = 2_147_483_647  # the largest value of an INTEGER column (SQLite and PostgreSQL)


@dataclass(frozen=True, slots=True)
class Subscription:
    """One subscriber's settings.

    ``target`` is a Slack channel id, a LINE user id, or ``"all"`` (every LINE follower);
    ``workspace`` is the Slack team id (None on LINE). ``sections`` empty means all.
    ``slot`` is set for the weekly cadence. The subscriber gets issues numbered above
    ``starts_after`` (None: every issue).
    """

    id: int
    platform: str
    workspace: str | None
    target: str
    sections: tuple[str, ...]
    cadence: Cadence
    slot: WeeklySlot | None
    active: bool
    paused_reason: str | None
    starts_after: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def address(self) -> str:
        """``slack:TEAM/CHANNEL``, ``line:USER`` or ``line:all``, as the CLI writes it."""
        where = f"{self.workspace}/{self.target}" if self.workspace else self.target
        return f"{self.platform}:{where}"


class SubscriptionRepository(Repository):
    """Subscriptions, unique per (platform, workspace, target)."""

    async def add(
        self,
        *,
        platform: str,
        target: str,
        workspace: str | None = None,
        sections: Sequence[str] = (),
        cadence: Cadence = "on-publish",
        slot: WeeklySlot | None = None,
        starts_after: int | None = None,
    ) -> Subscription:
        """Subscribe a target, or change an existing subscription of the same target.

        An existing one takes the new sections and cadence, is active again and keeps its
        start. A new one starts after ``starts_after``, by default after the newest issue
        published by now, so it doesn't get the back catalogue (pass 0 for every issue).

        Raises:
            ValueError: a weekly cadence without a slot, or an unknown cadence.
        """
        _check_cadence(cadence, slot)
        now = self._clock.now()
        async with self._write() as session:
            row = await session.scalar(_by_target(platform, workspace, target))
            if row is None:
                if starts_after is None:
                    starts_after = await _newest_published(session, now)
                row = await _insert(
                    session,
                    SubscriptionRow(
                        platform=platform,
                        workspace=workspace,
                        target=target,
                        created_at=now,
                        starts_after=starts_after,
                        sections=[],
                        cadence=cadence,
                        active=True,
                        updated_at=now,
                    ),
                )
            row.sections = list(dict.fromkeys(sections))
            _set_cadence(row, cadence, slot)
            row.active, row.paused_reason, row.updated_at = True, None, now
            await session.flush()
            return _subscription(row)

    async def get(self, subscription_id: int) -> Subscription | None:
        """One subscription by id, or None."""
        if not 0 < subscription_id <= _MAX_ID:
            return None  # no such row, and beyond what the database's INTEGER holds
        async with self._read() as session:
            row = await session.get(SubscriptionRow, subscription_id)
            return None if row is None else _subscription(row)

    async def get_many(self, ids: Collection[int]) -> dict[int, Subscription]:
        """The subscriptions of ``ids`` that exist, by id (one query per 900 ids)."""
        wanted = sorted(set(ids))
        found: dict[int, Subscription] = {}
        async with self._read() as session:
            for start in range(0, len(wanted), 900):
                query = select(SubscriptionRow).where(
                    SubscriptionRow.id.in_(wanted[start : start + 900])
                )
                for row in await session.scalars(query):
                    found[row.id] = _subscription(row)
        return found

    async def find(
        self, platform: str, target: str, workspace: str | None = None
    ) -> Subscription | None:
        """The subscription of a target, or None."""
        async with self._read() as session:
            row = await session.scalar(_by_target(platform, workspace, target))
            return None if row is None else _subscription(row)

    async def list(
        self,
        *,
        platform: str | None = None,
        workspace: str | None = None,
        active: bool | None = None,
    ) -> builtins.list[Subscription]:
        """Subscriptions, optionally narrowed, in creation order."""
        query = select(SubscriptionRow).order_by(SubscriptionRow.id)
        if platform is not None:
            query = query.where(SubscriptionRow.platform == platform)
        if workspace is not None:
            query = query.where(SubscriptionRow.workspace == workspace)
        if active is not None:
            query = query.where(SubscriptionRow.active.is_(active))
        async with self._read() as session:
            return [_subscription(row) for row in await session.scalars(query)]

    async def update(
        self,
        subscription_id: int,
        *,
        sections: Sequence[str] | None = None,
        cadence: Cadence | None = None,
        slot: WeeklySlot | None = None,
    ) -> Subscription:
        """Change sections and/or cadence (a weekly cadence needs its slot).

        Raises:
            NotFound: no such subscription.
            ValueError: a weekly cadence without a slot.
        """
        async with self._write() as session:
            row = await _get_row(session, subscription_id)
            if sections is not None:
                row.sections = list(dict.fromkeys(sections))
            if cadence is not None or slot is not None:
                new_cadence = cadence or cast(Cadence, row.cadence)
                new_slot = slot or (_slot(row) if new_cadence == "weekly" else None)
                _check_cadence(new_cadence, new_slot)
                _set_cadence(row, new_cadence, new_slot)
            row.updated_at = self._clock.now()
            await session.flush()
            return _subscription(row)

    async def pause(self, subscription_id: int, reason: str) -> Subscription:
        """Stop sends to a subscription, saying why (shown by ``haishin subscriptions``).

        Raises:
            NotFound: no such subscription.
        """
        return await self._set_active(subscription_id, active=False, reason=reason)

    async def resume(self, subscription_id: int) -> Subscription:
        """Send to a paused subscription again.

        Raises:
            NotFound: no such subscription.
        """
        return await self._set_active(subscription_id, active=True, reason=None)

    async def pause_workspace(self, platform: str, workspace: str, reason: str) -> int:
        """Pause every active subscription of a workspace (the app was uninstalled).

        Returns:
            How many were paused.
        """
        statement = (
            update(SubscriptionRow)
            .where(
                SubscriptionRow.platform == platform,
                SubscriptionRow.workspace == workspace,
                SubscriptionRow.active.is_(True),
            )
            .values(active=False, paused_reason=reason, updated_at=self._clock.now())
        )
        async with self._write() as session:
            result = await session.execute(statement)
            return int(getattr(result, "rowcount", 0))

    async def remove(self, subscription_id: int) -> bool:
        """Delete a subscription and its ledger rows; False when there was none."""
        async with self._write() as session:
            row = await session.get(SubscriptionRow, subscription_id)
            if row is None:
                return False
            await session.delete(row)
            return True

    async def _set_active(
        self, subscription_id: int, *, active: bool, reason: str | None
    ) -> Subscription:
        async with self._write() as session:
            row = await _get_row(session, subscription_id)
            row.active, row.paused_reason, row.updated_at = active, reason, self._clock.now()
            await session.flush()
            return _subscription(row)


def _by_target(platform: str, workspace: str | None, target: str) -> Select[SubscriptionRow]:
    return select(SubscriptionRow).where(
        SubscriptionRow.platform == platform,
        func.coalesce(SubscriptionRow.workspace, "") == (workspace or ""),
        SubscriptionRow.target == target,
    )


async def _get_row(session: AsyncSession, subscription_id: int) -> SubscriptionRow:
    row = None
    if 0 < subscription_id <= _MAX_ID:
        row = await session.get(SubscriptionRow, subscription_id)
    if row is None:
        raise NotFound(f"there is no subscription {subscription_id}")
    return row


async def _insert(session: AsyncSession, new: SubscriptionRow) -> SubscriptionRow:
    try:
        async with session.begin_nested():
            session.add(new)
    except IntegrityError:
        # Another transaction subscribed the same target first; change that one instead.
        existing = await session.scalar(_by_target(new.platform, new.workspace, new.target))
        if existing is None:
            raise
        return existing
    return new


async def _newest_published(session: AsyncSession, now: datetime) -> int:
    newest = await session.scalar(
        select(func.max(IssueRow.number)).where(
            or_(
                IssueRow.published_at.is_not(None),
                IssueRow.publish_at.is_(None),
                IssueRow.publish_at <= now,
            )
        )
    )
    return int(newest or 0)


def _check_cadence(cadence: str, slot: WeeklySlot | None) -> None:
    if cadence not in ("on-publish", "weekly"):
        raise ValueError(f"cadence {cadence!r} is not 'on-publish' or 'weekly'")
    if cadence == "weekly" and slot is None:
        raise ValueError("a weekly subscription needs a slot (weekday, time and time zone)")


def _set_cadence(row: SubscriptionRow, cadence: Cadence, slot: WeeklySlot | None) -> None:
    row.cadence = cadence
    weekly = slot if cadence == "weekly" else None
    row.weekday = weekly.weekday if weekly else None
    row.at_time = weekly.at if weekly else None
    row.timezone = weekly.zone.key if weekly else None


def _slot(row: SubscriptionRow) -> WeeklySlot | None:
    if row.weekday is None or row.at_time is None or row.timezone is None:
        return None
    return WeeklySlot(weekday=row.weekday, at=row.at_time, zone=ZoneInfo(row.timezone))


def _subscription(row: SubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        platform=row.platform,
        workspace=row.workspace,
        target=row.target,
        sections=tuple(row.sections),
        cadence=cast(Cadence, row.cadence),
        slot=_slot(row),
        active=row.active,
        paused_reason=row.paused_reason,
        starts_after=row.starts_after,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
