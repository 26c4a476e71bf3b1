"""Publishing issues and handing them to subscribers: which issue goes to whom, and when.

- An issue is published when its time comes (``publish_due``) or on demand (``publish``).
- An ``on-publish`` subscriber gets the newest published issue once it is out, if it is
  new to them (numbered after ``starts_after``: no back catalogue) and not stale.
- A ``weekly`` subscriber gets, at its slot, the newest issue published by then, unless
  it has had that issue or a later one. A slot whose digest was not handed over (the
  database was away when it came, the scheduler's leader changed meanwhile) is caught up
  later (``catch_up_weekly``, within the scheduler's grace), once, the same issue.

"Gets" means: its ledger rows are made (``DeliveryLedgerRepository.materialise``); the delivery
workers send them. Every step is idempotent, so a job that runs twice, or in two
processes, hands an issue over once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

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
        """A weekly slot has come: the newest issue published by it, unless this subscriber
        has had that one or a later one.

        Returns:
            What was done; None when the subscription is gone, paused or has nothing new.
        """
        subscription = await self.subscriptions.get(subscription_id)
        if subscription is None or not subscription.active or subscription.slot is None:
            return None
        handed = await self._weekly([subscription], None)
        return handed[0] if handed else None

    async def catch_up_weekly(self, within: timedelta) -> list[Handover]:
        """Weekly slots passed less than ``within`` ago whose digest was not handed over
        (the database failed when the slot came, or the process that ran it went away):
        handed over now, the issue the slot would have given. Idempotent like the rest, so
        a slot handed over in time, or by another process, gets nothing more.

        Returns:
            One hand-over per issue given (empty when every slot had its digest).
        """
        weekly = [
            s
            for s in await self.subscriptions.list(active=True)
            if s.cadence == "weekly" and s.slot is not None
        ]
        return await self._weekly(weekly, within)

    async def _weekly(
        self, subscriptions: list[Subscription], within: timedelta | None
    ) -> list[Handover]:
        """Each subscription's latest slot (only those less than ``within`` ago): the issue
        published by it, to those that had neither it nor a later one."""
        now = self.clock.now()
        by_slot: dict[datetime, list[Subscription]] = {}
        for subscription in subscriptions:
            assert subscription.slot is not None
            slot = subscription.slot.last_at_or_before(now)
            if within is not None and now - slot > within:
                continue
            # Not a slot from before the subscription was made, moved there or resumed: an
            # editor's change never sends at once (its next slot does).
            if subscription.updated_at <= slot:
                by_slot.setdefault(slot, []).append(subscription)
        handovers: list[Handover] = []
        for slot, group in sorted(by_slot.items()):
            stored = await self.issues.latest_published(by=slot)
            if stored is None:
                continue
            new = [s for s in group if _is_new_to(s, stored)]
            had = await self.ledger.handed_from([s.id for s in new], stored.number)
            due = [s for s in new if s.id not in had]
            if due:
                handovers.append(await self._hand_over(stored, due))
        return handovers

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
