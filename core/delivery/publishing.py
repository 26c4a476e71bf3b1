"""Publishing issues and handing them to subscribers: which issue goes to whom, and when.

- An issue is published when its time comes (``publish_due``) or on demand (``publish``).
- An ``on-publish`` subscriber gets the newest published issue once it is out, if it is
  new to them (numbered after ``starts_after``: no back catalogue) and not stale.
- A ``weekly`` subscriber gets, at its slot, the newest published issue it has not had.

"Gets" means: its ledger rows are made (``DeliveryLedgerRepository.materialise``); the delivery
workers send them. Every step is idempotent, so a job that runs twice, or in two
processes, hands an issue over once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from core.clock import Clock, SystemClock
from core.delivery.fanout import Fanout
from core.errors import DeliveryError, NotFound
from core.storage.database import Database
from core.storage.delivery_ledger import DeliveryLedgerRepository, Handing
from core.storage.issues import IssueRepository, StoredIssue
from core.storage.subscriptions import Subscription, SubscriptionRepository

log = logging.getLogger("haishin.delivery")

# An issue published (or due) longer ago than this is not pushed to on-publish subscribers:
# a server down for a week, or a folder of old issues ingested at once, sends no flood.
CATCH_UP = timedelta(days=3)
HANDOVER_CHUNK = 250  # subscriptions made into rows per transaction


@dataclass(frozen=True, slots=True)
class Handover:
    """What handing an issue to subscribers did."""

    number: int
    subscriptions: int  # subscriptions that got rows now
    rows: int  # rows made
    skipped: tuple[str, ...] = ()  # why some subscriptions got nothing


class Publishing:
    """Publishes issues and makes ledger rows for subscribers.

    Args:
        db: the database.
        fanout: plans each subscription's groups (needs the platforms' publishers).
        clock: now.
        catch_up: how late an issue may still go to on-publish subscribers.
        catch_up_setting: the name of the setting that sets ``catch_up``, for messages.
        on_rows: called whenever new rows were committed (wakes this process's workers).
    """

    def __init__(
        self,
        db: Database,
        fanout: Fanout,
        *,
        clock: Clock | None = None,
        catch_up: timedelta = CATCH_UP,
        on_rows: Callable[[], None] | None = None,
        catch_up_setting: str = "catch_up",
    ) -> None:
        self.clock = clock or SystemClock()
        self.fanout = fanout
        self.catch_up = catch_up
        self.catch_up_setting = catch_up_setting
        self.on_rows = on_rows
        self.issues = IssueRepository(db, clock=self.clock)
        self.subscriptions = SubscriptionRepository(db, clock=self.clock)
        self.ledger = DeliveryLedgerRepository(db, clock=self.clock)

    async def publish_due(self) -> list[int]:
        """Publish every issue whose time has come; returns their numbers."""
        now = self.clock.now()
        published = []
        for stored in await self.issues.due(now):
            if await self.issues.mark_published(stored.number, now):
                log.info("issue %d published (due %s)", stored.number, stored.publish_at)
                published.append(stored.number)
        return published

    async def publish(self, number: int) -> bool:
        """Publish an issue now (``haishin publish``); False when it was out already.

        Raises:
            NotFound: no such issue.
        """
        return await self.issues.mark_published(number, self.clock.now())

    async def hand_over_on_publish(self) -> Handover | None:
        """Give the newest published issue to every on-publish subscriber who lacks it.

        Returns:
            What was done, or None when there is no fresh published issue.
        """
        latest = await self.issues.latest_published()
        if latest is None or self._stale(latest):
            return None
        candidates = [
            subscription
            for subscription in await self.subscriptions.list(active=True)
            if subscription.cadence == "on-publish" and _is_new_to(subscription, latest)
        ]
        return await self._hand_over(latest, candidates)

    async def hand_over_weekly(self, subscription_id: int) -> Handover | None:
        """A weekly slot: the newest published issue, if this subscriber has not had it.

        Returns:
            What was done; None when the subscription is gone, paused or has nothing new.
        """
        subscription = await self.subscriptions.get(subscription_id)
        if subscription is None or not subscription.active:
            return None
        latest = await self.issues.latest_published()
        if latest is None or not _is_new_to(subscription, latest):
            return None
        if await self.ledger.has_rows(subscription.id, latest.id):
            return None
        return await self._hand_over(latest, [subscription])

    async def hand_over_to(self, subscription: Subscription, number: int) -> Handover:
        """One issue to one subscription, whatever its cadence (``haishin send``).

        Raises:
            NotFound: no such issue.
        """
        stored = await self.issues.get(number)
        if stored is None:
            raise NotFound(f"there is no issue {number}; `haishin issues` lists them")
        return await self._hand_over(stored, [subscription])

    async def _hand_over(self, stored: StoredIssue, subscriptions: list[Subscription]) -> Handover:
        skipped: list[str] = []
        handed = await self.ledger.subscriptions_with_rows(stored.id)
        handings: list[Handing] = []
        for subscription in subscriptions:
            if subscription.id in handed:
                continue
            if not self.fanout.can_plan(subscription.platform):
                skipped.append(f"{subscription.address}: {subscription.platform} is off")
                continue
            try:
                plan = await self.fanout.plan(subscription, stored)
            except DeliveryError as exc:
                skipped.append(f"{subscription.address}: {exc}")
                continue
            handings.append(
                Handing(subscription.id, plan.groups, plan.empty_reason or "nothing to send")
            )
        made: dict[int, int] = {}
        # In chunks: each commit lets the workers start on those while the rest are made.
        for start in range(0, len(handings), HANDOVER_CHUNK):
            chunk = handings[start : start + HANDOVER_CHUNK]
            made |= await self.ledger.materialise_many(stored.id, stored.revision, chunk)
            if self.on_rows is not None:
                self.on_rows()
        got = {sub_id: count for sub_id, count in made.items() if count}
        if got:
            log.info(
                "issue %d handed to %d subscription(s): %d unit(s)",
                stored.number,
                len(got),
                sum(got.values()),
            )
        for reason in skipped:
            log.warning("issue %d not handed over to %s", stored.number, reason)
        return Handover(stored.number, len(got), sum(got.values()), tuple(skipped))

    async def why_nothing_handed(self) -> str:
        """In words, why ``hand_over_on_publish`` gave the newest issue to no subscription."""
        latest = await self.issues.latest_published()
        if latest is None:
            return "no issue is published yet"
        if self._stale(latest):
            due = latest.publish_at or latest.published_at
            assert due is not None
            days = self.catch_up.total_seconds() / 86400
            return (
                f"issue {latest.number} was due {due:%Y-%m-%d %H:%M %Z}, more than {days:g} "
                f"day(s) ago, and on-publish subscriptions get an issue only within that "
                f"({self.catch_up_setting}); `haishin send {latest.number} --to TARGET` sends "
                "it anyway"
            )
        waiting = [
            s
            for s in await self.subscriptions.list(active=True)
            if s.cadence == "on-publish" and _is_new_to(s, latest)
        ]
        if not waiting:
            return (
                f"no active on-publish subscription is waiting for issue {latest.number} "
                "(`haishin subscriptions` lists them)"
            )
        return f"every on-publish subscription has issue {latest.number} already"

    def _stale(self, stored: StoredIssue) -> bool:
        due = stored.publish_at or stored.published_at
        return due is not None and due < self.clock.now() - self.catch_up


def _is_new_to(subscription: Subscription, stored: StoredIssue) -> bool:
    return stored.number > (subscription.starts_after or 0)
