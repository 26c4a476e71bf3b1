"""Corrections of published issues: update what was sent, never send it again.

When an issue gets a new revision after its rows were made, every group that has rows is
re-planned (units the correction added are appended, unsent units it removed are dropped)
and every message already sent is replaced through ``Publisher.update`` (Slack
``chat.update``; LINE messages cannot be edited, so its publisher does nothing).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from core.clock import Clock
from core.delivery.fanout import Fanout, IssueCache, group_key
from core.delivery.retry import RetryPolicy
from core.errors import DeliveryError
from core.ledger import Group, publisher_unit
from core.ports import SendJob, SentMessage
from core.storage.delivery_ledger import DeliveryLedgerRepository
from core.storage.health import is_database_fault
from core.storage.revisions import RevisionRepository
from core.storage.subscriptions import SubscriptionRepository

log = logging.getLogger("haishin.delivery")


class Corrections:
    """Brings sent digests up to their issue's current revision.

    Args:
        ledger / revisions / subscriptions / issues: storage.
        fanout: plans units and builds digests.
        clock: now.
        policy: backoff for updates the platform refused for now.
    """

    def __init__(
        self,
        ledger: DeliveryLedgerRepository,
        revisions: RevisionRepository,
        subscriptions: SubscriptionRepository,
        issues: IssueCache,
        fanout: Fanout,
        *,
        clock: Clock,
        policy: RetryPolicy,
    ) -> None:
        self.ledger = ledger
        self.revisions = revisions
        self.subscriptions = subscriptions
        self.issues = issues
        self.fanout = fanout
        self.clock = clock
        self.policy = policy

    async def run(self, worker: str, *, concurrency: int = 256) -> int:
        """Re-plan outdated groups and update their sent messages, many groups at once
        (each channel's updates are paced by its publisher, like sends).

        Returns:
            How many sent messages were updated.

        Raises:
            Exception: the first database fault a group met, once every group is done:
                the round failed (reported once by the caller; each group's traceback is
                only at DEBUG).
        """
        gate = asyncio.Semaphore(concurrency)
        faults: list[Exception] = []

        async def one(group: Group, revision: int) -> int:
            async with gate:
                try:
                    return await self._group(group, revision, worker)
                except Exception as exc:
                    fault = is_database_fault(exc)
                    if fault:
                        faults.append(exc)
                    log.log(
                        logging.DEBUG if fault else logging.ERROR,
                        "%s: correction failed; trying again later",
                        group_key(group),
                        exc_info=exc,
                    )
                    return 0

        outdated = await self.revisions.outdated_groups(limit=concurrency * 4)
        counts = await asyncio.gather(*(one(group, rev) for group, rev in outdated))
        if faults:
            raise faults[0]
        return sum(counts)

    async def _group(self, group: Group, revision: int, worker: str) -> int:
        subscription = await self.subscriptions.get(group.subscription_id)
        if subscription is None or not self.fanout.can_plan(subscription.platform):
            return 0
        stored = await self.issues.get(group.issue_id, revision)
        if stored is None:
            return 0
        batch = await self.ledger.batch(group)
        units = self.fanout.units(subscription, stored, batch)
        added, dropped = await self.revisions.replan(group, units, stored.revision)
        if added or dropped:
            log.info(
                "%s: revision %d adds %d unit(s), drops %d unsent",
                group_key(group),
                stored.revision,
                added,
                dropped,
            )
        rows = await self.revisions.claim_updates(group, stored.revision, worker)
        if not rows:
            return 0
        publisher = self.fanout.publishers[subscription.platform]
        digest = self.fanout.group_digest(subscription, stored, batch)
        audience = self.fanout.audience(subscription, batch)
        first, _ = await self.ledger.resume_point(group, 0)
        updated = 0
        for row in rows:
            job = SendJob(
                row.id,
                audience,
                digest,
                publisher_unit(row),
                first if row.position > 0 else None,
            )
            try:
                await publisher.update(job, SentMessage(row.sent_ref or ""))
            except DeliveryError as exc:
                if exc.retryable:
                    wait = self.policy.delay(1, exc.retry_after)
                    retry_at = self.clock.now() + timedelta(seconds=wait)
                    await self.revisions.updated(
                        row, worker, stored.revision, retry_at=retry_at, note=str(exc)
                    )
                else:
                    log.warning("%s %s: not updated: %s", group_key(group), row.unit, exc)
                    await self.revisions.updated(
                        row, worker, stored.revision, note=f"not updated: {exc}"
                    )
                continue
            await self.revisions.updated(row, worker, stored.revision)
            updated += 1
        if updated:
            log.info(
                "%s: %d sent message(s) updated to revision %d",
                group_key(group),
                updated,
                stored.revision,
            )
        return updated
