"""The last line of defence: a second look at units resent after a send in doubt.

A unit resent after a doubt carries ``verify_at``: once a copy sent before the resend could
no longer land (``attempt.verify_after``), then at doubling intervals for a while
(``attempt.look_again``), in case the platform kept no bound. Each look lists every copy
carrying its key; the one the ledger recorded stays (later units are threaded under it) and
any other is deleted, counted in ``duplicates_removed`` and in the metric
``haishin_duplicates_removed_total``.
Rows recorded by a worker that no longer held them (paused past its lease) get a look too.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from core.clock import Clock
from core.delivery import attempt
from core.delivery.fanout import Fanout, IssueCache, group_key
from core.delivery.sender import GroupSender
from core.errors import DeliveryError
from core.ledger import Delivery, publisher_unit
from core.ports import SendJob
from core.storage.delivery_ledger import DeliveryLedgerRepository
from core.storage.subscriptions import SubscriptionRepository
from core.storage.verifications import VerificationRepository

log = logging.getLogger("haishin.delivery")
# A look the platform refused for now is made again this much later.
LOOK_AGAIN = timedelta(minutes=1)


class DuplicateSweep:
    """Looks at rows due for a second look and deletes late copies (see the module doc)."""

    def __init__(
        self,
        verifications: VerificationRepository,
        ledger: DeliveryLedgerRepository,
        subscriptions: SubscriptionRepository,
        issues: IssueCache,
        fanout: Fanout,
        sender: GroupSender,
        *,
        clock: Clock,
    ) -> None:
        self.verifications = verifications
        self.ledger = ledger
        self.subscriptions = subscriptions
        self.issues = issues
        self.fanout = fanout
        self.sender = sender
        self.clock = clock

    async def run(self) -> int:
        """Look at every row due; returns how many copies were deleted."""
        removed = 0
        for row in await self.verifications.due(self.clock.now()):
            try:
                removed += await self._one(row)
            except DeliveryError as exc:
                log.warning("%s %s: second look failed: %s", group_key(row.group), row.unit, exc)
                await self.verifications.looked(row, 0, again=self.clock.now() + LOOK_AGAIN)
        return removed

    async def _one(self, row: Delivery) -> int:
        subscription = await self.subscriptions.get(row.subscription_id)
        stored = await self.issues.get(row.issue_id, max(row.revision, 1))
        publisher = None
        if subscription is not None:
            publisher = self.fanout.publishers.get(subscription.platform)
        if subscription is None or stored is None or publisher is None:
            if subscription is None or stored is None:  # removed meanwhile: nothing to see
                await self.verifications.looked(row, 0)
            return 0
        batch = await self.ledger.batch(row.group)
        first, _ = await self.ledger.resume_point(row.group, 0)
        job = SendJob(
            row.id,
            self.fanout.audience(subscription, batch),
            self.fanout.group_digest(subscription, stored, batch),
            publisher_unit(row),
            first if row.position > 0 else None,
        )
        refs = [copy.ref for copy in await publisher.find_copies(job)]
        removed = 0
        if len(refs) > 1:
            _, extra = attempt.keep(refs, row.sent_ref)
            removed = await self.sender.remove_copies(publisher, job, extra, row)
        again = attempt.look_again(row.updated_at, self.clock.now(), publisher.settling)
        await self.verifications.looked(row, removed, again=again)
        return removed
