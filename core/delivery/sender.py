"""Sending one group: its units in order, each looked up first when it may have landed.

The ``GroupSender`` is what a delivery worker runs for each claimed group. Database work
goes through a gate (a semaphore), so thousands of groups waiting on their channels' pace
queue for a connection instead of timing out in the pool.

A database that fails under thousands of groups in flight costs one log line (``SENDS``,
through ``WriteHealth``) and one when the ledger writer's next write goes through (or the
worker is idle again); each group's own traceback is at DEBUG. A failure that is not the
database's keeps its traceback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from core.clock import Clock
from core.delivery import attempt
from core.delivery.attempt import IN_DOUBT, KEY_EXPIRED, Decision, Step
from core.delivery.fanout import Fanout, IssueCache, SubscriptionCache, group_key
from core.delivery.retry import RetryPolicy, stops_subscription
from core.errors import DeliveryError
from core.ledger import BatchPlan, Delivery, Failure, Settled, publisher_unit
from core.ports import Audience, Publisher, SendJob, SentMessage
from core.storage.claims import ClaimRepository
from core.storage.delivery_ledger import DeliveryLedgerRepository
from core.storage.group_starts import GroupStartRepository
from core.storage.health import WriteHealth
from core.storage.issues import StoredIssue
from core.storage.ledger_writer import SENDS, LedgerWriter
from core.storage.subscriptions import Subscription

log = logging.getLogger("haishin.delivery")
T = TypeVar("T")
# A wait for a channel's pace longer than this holds a reservation instead of a claim; the
# claim is taken this much before the pace allows the send, so taking it costs no time.
RESERVE_AFTER = 1.0
TAKE_AHEAD = 0.5


class DeliveryObserver:
    """Hooks for metrics and progress; the default does nothing."""

    def transition(self, platform: str, state: str) -> None:
        """A row moved to ``state`` (sending, sent, failed, dead)."""

    def sent(self, platform: str, seconds: float) -> None:
        """A send call took ``seconds``."""

    def duplicate_removed(self, platform: str) -> None:
        """A second copy of a unit (a send in doubt that landed late) was deleted."""


@dataclass
class Leftovers:
    """Rows a failed group task could not hand back itself (the database failed too)."""

    in_doubt: set[str] = field(default_factory=set)  # a send may have been under way
    unsent: set[Delivery] = field(default_factory=set)  # claimed, never sent
    reserved: set[Delivery] = field(default_factory=set)  # reserved, never claimed


@dataclass(frozen=True, slots=True)
class GroupStart:
    """A claimed group's subscription, issue, audience batch and progress (``prepare``)."""

    subscription: Subscription
    stored: StoredIssue
    batch: BatchPlan | None
    first: str | None  # where the group's first unit landed, when the head is a later one
    following: list[str]  # ids of the units after the head still to send, in order


@dataclass
class GroupSender:
    """Sends the groups one worker claimed.

    Args:
        worker: the worker's id (its claims).
        claims / ledger / starts / subscriptions / issues: storage.
        fanout: publishers, digests and audiences.
        clock / policy / observer: time, retries, metrics.
        gate: limits concurrent database work.
        writer: records completions in batches.
        health: where the groups' database faults are counted (one log line per outage).
        stopping: True once the worker is stopping (no next unit is started).
        retry_soon: called with the seconds until a failed row is due again.
        may_send: False while the worker's claims may be someone else's (its lease ran out):
            no send starts then, and the unit goes back to the ledger.
    """

    worker: str
    claims: ClaimRepository
    ledger: DeliveryLedgerRepository
    starts: GroupStartRepository
    subscriptions: SubscriptionCache
    issues: IssueCache
    fanout: Fanout
    clock: Clock
    policy: RetryPolicy
    observer: DeliveryObserver
    gate: asyncio.Semaphore
    writer: LedgerWriter
    health: WriteHealth
    stopping: Callable[[], bool]
    retry_soon: Callable[[float], None]
    may_send: Callable[[], bool] = lambda: True
    leftovers: Leftovers = field(default_factory=Leftovers)
    on_unit: Callable[[Delivery, str], None] | None = None

    async def db(self, call: Awaitable[T]) -> T:
        """Run one database call through the gate."""
        async with self.gate:
            return await call

    async def prepare(self, heads: Sequence[Delivery]) -> dict[str, GroupStart]:
        """What the groups of claimed ``heads`` need before their first send, by head id,
        read for all of them at once. A head missing from the answer has nothing left to
        send: its subscription or issue was removed meanwhile (and its rows with it)."""
        if not heads:
            return {}
        subscriptions = await self.subscriptions.get_many({h.subscription_id for h in heads})
        issues: dict[tuple[int, int], StoredIssue] = {}
        for key in {(h.issue_id, h.revision) for h in heads}:
            stored = await self.issues.get(*key)
            if stored is not None:
                issues[key] = stored
        batches, progress = await self.starts.read(heads)
        prepared: dict[str, GroupStart] = {}
        for head in heads:
            subscription = subscriptions.get(head.subscription_id)
            stored = issues.get((head.issue_id, head.revision))
            if subscription is None or stored is None:
                continue
            point = progress[head.group]
            prepared[head.id] = GroupStart(
                subscription,
                stored,
                batches.get(head.group),
                point.first if head.position > 0 else None,
                list(point.following),
            )
        return prepared

    async def run(self, head: Delivery, start: GroupStart | None) -> None:
        """Send a group from its claimed head until it is done, fails, or waits; ``start``
        is what ``prepare`` read for it (None: nothing left to send)."""
        row: Delivery | None = head
        started = False
        if start is None:
            return
        try:
            subscription, stored, batch = start.subscription, start.stored, start.batch
            first, following = start.first, start.following
            publisher = self.fanout.publishers[subscription.platform]
            digest = self.fanout.group_digest(subscription, stored, batch)
            audience = self.fanout.audience(subscription, batch)
            while row is not None:
                if self.stopping():
                    await self.db(self.claims.unclaim([row], self.worker))
                    return
                if not self.may_send():
                    self.leftovers.unsent.add(row)  # handed back once the database answers
                    return
                job = SendJob(
                    row.id,
                    audience,
                    digest,
                    publisher_unit(row),
                    first if row.position > 0 else None,
                )
                started = True
                outcome = await self._attempt(publisher, job, row, subscription)
                if outcome is None:
                    return
                sent, settled = outcome
                first = first or sent.ref
                revision = stored.revision
                if settled is not None and settled.revision is not None:
                    revision = min(revision, settled.revision)
                self._report(row, subscription.platform, "sent")
                later = [unit for unit in following if unit != row.id]
                following = later[1:]
                # A unit claimed now but sent only after its channel's pace would be in doubt
                # after a crash meanwhile (looked up first); reserved, it is simply unsent.
                reserve = bool(later) and publisher.pace(audience) > RESERVE_AFTER
                row = await self.writer.complete(
                    row,
                    self.worker,
                    sent.ref,
                    revision,
                    later[0] if later else None,
                    reserve=reserve,
                    settled=settled,
                )
                started = False
                if row is not None and reserve:
                    row = await self._when_paced(publisher, audience, row)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._failed(exc, "%s: delivery failed", group_key(head.group))
            if row is not None:
                # A send may have landed before the failure: such a row goes back as in
                # doubt (looked up before any resend), never as simply pending.
                if started:
                    self.leftovers.in_doubt.add(row.id)
                else:
                    self.leftovers.unsent.add(row)

    async def _when_paced(
        self, publisher: Publisher, audience: Audience, reserved: Delivery
    ) -> Delivery | None:
        """Wait for the channel's pace holding only a reservation, then claim the unit."""
        try:
            await publisher.wait_pace(audience, ahead=TAKE_AHEAD)
            if self.stopping():
                await self.db(self.claims.unreserve(reserved, self.worker))
                return None
            return await self.writer.take(reserved, self.worker)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._failed(exc, "%s: waiting for the channel failed", group_key(reserved.group))
            try:
                await self.db(self.claims.unreserve(reserved, self.worker))
            except Exception:
                # Kept, the reservation would hold the group for as long as this worker
                # lives (nobody else claims it): given up once the database answers again.
                self.leftovers.reserved.add(reserved)
            return None

    async def _attempt(
        self, publisher: Publisher, job: SendJob, row: Delivery, subscription: Subscription
    ) -> tuple[SentMessage, Settled | None] | None:
        """One unit's attempt, by ``attempt.decide``: wait for a send in doubt to settle,
        look it up, send, and after a resend look again. None when it was not sent now."""
        platform = subscription.platform
        self.observer.transition(platform, "sending")
        settling = publisher.settling
        now = self.clock.now()
        decision = attempt.decide(row, now, settling)
        if decision.step is Step.WAIT:
            await self._settle_later(row, subscription, decision)
            return None
        if decision.step is Step.ASK_EDITOR:
            await self.writer.fail(row, self.worker, Failure(KEY_EXPIRED, decision.reason, None))
            log.error("%s %s: %s", group_key(row.group), row.unit, decision.reason)
            self._report(row, platform, "dead")
            return None
        try:
            if decision.step is Step.LOOK:
                found = await publisher.find_sent(job)
                if found is not None:
                    log.info(
                        "%s %s: found already sent (%s); not sent again",
                        group_key(row.group),
                        row.unit,
                        found.ref,
                    )
                    # What it shows may predate a correction made while it was in doubt;
                    # an unknown revision (0) is brought up to date by the corrections.
                    return found, Settled(revision=found.revision or 0)
            timer = time.perf_counter()
            try:
                sent = await publisher.send(job)
            finally:
                self.observer.sent(platform, time.perf_counter() - timer)
            if decision.verify:
                return await self._verify(publisher, job, row, sent)
            return sent, None
        except DeliveryError as exc:
            await self._fail(row, subscription, exc, publisher)
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as exc:  # a platform adapter's own database reads (tokens) too
            self._failed(exc, "%s %s: send raised", group_key(row.group), row.unit)
            error = DeliveryError(
                f"{type(exc).__name__}: {exc}", platform=platform, retryable=True, code="error"
            )
            await self._fail(row, subscription, error, publisher)
        return None

    async def _settle_later(
        self, row: Delivery, subscription: Subscription, decision: Decision
    ) -> None:
        """Leave a unit in doubt until it is settled; its group's later units wait too."""
        assert decision.until is not None
        await self.writer.fail(row, self.worker, Failure(IN_DOUBT, decision.reason, decision.until))
        wait = max(0.0, (decision.until - self.clock.now()).total_seconds())
        log.info("%s %s: in doubt; looked up in %.0f s", group_key(row.group), row.unit, wait)
        self.retry_soon(wait)
        self._report(row, subscription.platform, "failed")

    async def _verify(
        self, publisher: Publisher, job: SendJob, row: Delivery, sent: SentMessage
    ) -> tuple[SentMessage, Settled]:
        """Look again right after a resend: a copy that landed since the lookup makes two;
        the later goes. Another look follows once the resend's own doubt is settled."""
        removed = 0
        try:
            refs = [copy.ref for copy in await publisher.find_copies(job)]
            if len(refs) > 1 and sent.ref in refs:
                kept, extra = attempt.keep(refs)  # nothing is threaded under it yet
                removed = await self.remove_copies(publisher, job, extra, row)
                sent = SentMessage(kept)
        except DeliveryError as exc:  # the later look tries again
            log.warning("%s %s: not looked at again: %s", group_key(row.group), row.unit, exc)
        return sent, Settled(attempt.verify_after(self.clock.now(), publisher.settling), removed)

    async def remove_copies(
        self, publisher: Publisher, job: SendJob, refs: Sequence[str], row: Delivery
    ) -> int:
        """Delete duplicate copies of a unit; how many went."""
        removed = 0
        for ref in refs:
            if await publisher.remove(job, SentMessage(ref)):
                removed += 1
                self.observer.duplicate_removed(publisher.platform)
                log.warning(
                    "%s %s: a late copy (%s) of a send in doubt landed beside the one kept; "
                    "deleted",
                    group_key(row.group),
                    row.unit,
                    ref,
                )
        return removed

    async def _fail(
        self,
        row: Delivery,
        subscription: Subscription,
        exc: DeliveryError,
        publisher: Publisher,
    ) -> None:
        platform = subscription.platform
        where = f"{group_key(row.group)} {row.unit} ({subscription.address})"
        if exc.retryable and not self.policy.exhausted(row.attempts):
            wait = self.policy.delay(row.attempts, exc.retry_after)
            now = self.clock.now()
            retry_at = attempt.retry_at(exc.kind, now, wait, publisher.settling)
            wait = (retry_at - now).total_seconds()
            await self.writer.fail(row, self.worker, Failure(exc.kind, exc.message, retry_at))
            log.info("%s: %s; retry in %.1f s", where, exc.message, wait)
            self.retry_soon(wait)
            self._report(row, platform, "failed")
            return
        if exc.retryable:
            message = f"gave up after {row.attempts} attempts: {exc.message}"
            await self.writer.fail(row, self.worker, Failure(exc.kind, message, None))
            log.error("%s: %s", where, message)
        elif stops_subscription(exc):
            reason = f"{exc.message} [{exc.code or 'refused'}]"
            failure = Failure(exc.kind, exc.message, None, pause_reason=reason)
            await self.writer.fail(row, self.worker, failure)
            log.warning("%s: %s; subscription paused until resumed", where, exc.message)
        else:
            failure = Failure(exc.kind, exc.message, None, give_up_group=row.position == 0)
            await self.writer.fail(row, self.worker, failure)
            log.error("%s: %s", where, exc.message)
        self._report(row, platform, "dead")

    def _failed(self, exc: Exception, message: str, *args: object) -> None:
        """A group's failure: a database fault is one line per outage for all groups (the
        group's own traceback at DEBUG); anything else is logged with its traceback."""
        if self.health.absorbed(SENDS, exc):
            log.debug(message, *args, exc_info=exc)
        else:
            log.error(message + " unexpectedly", *args, exc_info=exc)

    def _report(self, row: Delivery, platform: str, state: str) -> None:
        self.observer.transition(platform, state)
        if self.on_unit is not None:
            self.on_unit(row, state)
