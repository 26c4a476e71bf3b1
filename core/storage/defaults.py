"""Default set-ups made once, never again after an operator undoes them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.storage.base import Repository
from core.storage.models import DefaultAppliedRow
from core.storage.subscriptions import Subscription, SubscriptionRepository


class Defaults(Repository):
    """Applies a default at most once per database, whichever process gets there first."""

    async def subscribe_once(self, name: str, *, platform: str, target: str) -> Subscription | None:
        """Subscribe ``target`` (every section, on publish) unless default ``name`` was applied.

        Returns the new subscription, or None when the default was applied before (even if the
        subscription has since been removed) or the target is already subscribed. The marker
        and the subscription are written in one transaction.
        """
        now = self._clock.now()
        try:
            async with self._write() as session:
                if await session.scalar(
                    select(DefaultAppliedRow.name).where(DefaultAppliedRow.name == name)
                ):
                    return None
                session.add(DefaultAppliedRow(name=name, applied_at=now))
                await session.flush()
                subscriptions = SubscriptionRepository(session, clock=self._clock)
                if await subscriptions.find(platform, target) is not None:
                    return None
                return await subscriptions.add(platform=platform, target=target)
        except IntegrityError:
            return None  # another process applied it at the same moment

    async def claim_once(self, name: str) -> bool:
        """Mark ``name`` as done; True for the one process that marked it first (a daily
        job run by whichever serve process gets there, once)."""
        try:
            async with self._write() as session:
                if await session.scalar(
                    select(DefaultAppliedRow.name).where(DefaultAppliedRow.name == name)
                ):
                    return False
                session.add(DefaultAppliedRow(name=name, applied_at=self._clock.now()))
                await session.flush()
                return True
        except IntegrityError:
            return False
