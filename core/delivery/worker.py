"""The delivery worker: claims groups from the ledger and sends their units in order.

Each claimed group runs as its own task, so thousands of channels proceed at once while
each channel's messages stay in order. Lanes (a Slack workspace, LINE) have a cap on the
groups they run at once, so a slow or failing workspace cannot take every slot.

A unit that may already have landed (claimed back from a dead worker, or retried after a
failure that may have reached the platform) is looked up with ``Publisher.find_sent`` once
it is settled, before it is sent again, and looked at again after a resend (see
``core.delivery.attempt``; the second look is ``DuplicateSweep``, run beside the
corrections); LINE resends with the same retry key, which LINE de-duplicates.

A worker's claims are a lease: others take them over once its heartbeat is ``worker_timeout``
old (in the database server's time, see ``DatabaseClock``). So a worker starts a send only
while its last heartbeat that went through began less than ``worker_timeout`` -
``FENCE_MARGIN`` ago: cut off from the database (or stalled), it stops sending before anyone
else may take its units, and a send it began still ends (the platforms' call timeouts are
shorter than the margin) before the units can be claimed again. What it writes later is
refused unless the row is still its own (``LedgerWriter``: the claim's worker and attempt).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from core.clock import Clock, SystemClock
from core.delivery.claims import WORKER_TIMEOUT
from core.delivery.corrections import Corrections
from core.delivery.duplicates import DuplicateSweep
from core.delivery.fanout import Fanout
from core.delivery.retry import RetryPolicy
from core.delivery.sender import DeliveryObserver, GroupSender
from core.delivery.stores import DeliveryStores
from core.ledger import Delivery
from core.storage.heartbeats import new_worker_id
from core.storage.ledger_writer import SENDS

log = logging.getLogger("haishin.delivery")

# Longest send call (Slack 15 s, LINE 10 s) plus room for clocks' and heartbeats' error.
FENCE_MARGIN = timedelta(seconds=17)
HEARTBEAT_DEADLINE = 10.0


@dataclass(frozen=True)
class WorkerSettings:
    """How hard one process works.

    Args:
        concurrency: groups (channels, LINE batches) in flight at once.
        lane_limit: groups one lane (a Slack workspace, LINE) may have in flight.
        poll: seconds between looks at the ledger when idle.
        heartbeat: seconds between heartbeats.
        corrections_every: seconds between looks for corrected issues.
        worker_timeout: silence after which a worker counts as dead.
        db_connections: database calls the worker's groups make at once.
    """

    concurrency: int = 2048
    lane_limit: int = 256
    poll: float = 1.0
    heartbeat: float = 5.0
    corrections_every: float = 10.0
    worker_timeout: timedelta = WORKER_TIMEOUT
    db_connections: int = 8


@dataclass
class _Running:
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    lanes: Counter[str] = field(default_factory=Counter)


class DeliveryWorker:
    """Sends what the ledger holds, through the platforms' publishers.

    Args:
        stores: the ledger, claims, heartbeats, subscriptions and issues it works on
            (``DeliveryStores.over(db, ...)``, built by the composition root).
        fanout: the publishers (by platform) and how digests and audiences are built.
        clock: now (retry times, heartbeats).
        policy: backoff and attempts.
        observer: metrics hooks.
        settings: concurrency and timing.
        worker_id: this worker's id (default: host:pid:random).
        monotonic: the clock its lease (heartbeats that went through) is measured on.
    """

    def __init__(
        self,
        stores: DeliveryStores,
        fanout: Fanout,
        *,
        clock: Clock | None = None,
        policy: RetryPolicy | None = None,
        observer: DeliveryObserver | None = None,
        settings: WorkerSettings | None = None,
        worker_id: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock or SystemClock()
        self._monotonic = monotonic
        self.health = stores.health
        self.fanout = fanout
        self.policy = policy or RetryPolicy()
        self.observer = observer or DeliveryObserver()
        self.settings = settings or WorkerSettings()
        self.host = socket.gethostname()
        self.id = worker_id or new_worker_id(self.host)
        self.claims = stores.claims
        self.ledger = stores.ledger
        self.heartbeats = stores.heartbeats
        self.subscriptions = stores.subscriptions
        self.issues = stores.issues
        self.corrections = Corrections(
            self.ledger,
            stores.revisions,
            self.subscriptions,
            self.issues,
            fanout,
            clock=self.clock,
            policy=self.policy,
        )
        self._running = _Running()
        self.sender = GroupSender(
            worker=self.id,
            claims=self.claims,
            ledger=self.ledger,
            starts=stores.starts,
            subscriptions=stores.active,
            issues=self.issues,
            fanout=fanout,
            clock=self.clock,
            policy=self.policy,
            observer=self.observer,
            gate=asyncio.Semaphore(self.settings.db_connections),
            writer=stores.writer,
            health=self.health,
            stopping=lambda: self._stopping,
            retry_soon=self._retry_soon,
            may_send=self.holds_lease,
        )
        self.duplicates = DuplicateSweep(
            stores.verifications,
            self.ledger,
            self.subscriptions,
            self.issues,
            fanout,
            self.sender,
            clock=self.clock,
        )
        self._stopping = False
        self._lease_from: float | None = None  # when the last good heartbeat began
        self._fenced = False
        self._corrections_asked = False
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._beat_task: asyncio.Task[None] | None = None
        # Set once the loop's first look at the ledger is over (groups claimed and their
        # sends started, or nothing due, or the database failed): see ``first_round``.
        self._first_round = asyncio.Event()

    # ---- lifecycle ----------------------------------------------------------------------

    async def register(self) -> None:
        """Announce this worker, and forget dead workers of this host (their rows become
        claimable at once)."""
        began = self._monotonic()
        await self.clock.sync()
        await self.heartbeats.register(self.id, host=self.host, pid=os.getpid())
        self._lease_from = began
        gone = await self.heartbeats.forget_dead(
            host=self.host, keep=self.id, silence=self.settings.worker_timeout
        )
        if gone:
            log.info("delivery workers gone, their unfinished sends taken over: %s", gone)

    async def start(self) -> None:
        """Register and run in the background until ``stop``."""
        await self.register()
        self._stopping = False
        self._first_round.clear()
        self._beat_task = asyncio.create_task(self._beat(), name="delivery-heartbeat")
        self._loop_task = asyncio.create_task(self._loop(), name="delivery-worker")
        log.info(
            "delivery worker %s started (%s)",
            self.id,
            ", ".join(sorted(self.fanout.publishers)) or "no platform on",
        )

    async def stop(self, grace: float = 20.0) -> None:
        """Stop claiming; let sends under way finish for ``grace`` seconds, then cancel
        them. Whatever is unfinished goes back to the ledger for the next worker."""
        self._stopping = True
        self._wake.set()
        if self._loop_task is not None:
            await asyncio.gather(self._loop_task, return_exceptions=True)
        tasks = set(self._running.tasks)
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if late:
                log.warning("%d send(s) cut short at shutdown; they will be checked", len(late))
        if self._beat_task is not None:
            self._beat_task.cancel()
            await asyncio.gather(self._beat_task, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._hand_back()
        await self.sender.writer.close()
        released = await self.claims.release(self.id)
        await self.heartbeats.unregister(self.id)
        log.info("delivery worker %s stopped (%d unit(s) handed back)", self.id, released)

    async def first_round(self) -> None:
        """Return once the first look at the ledger after ``start`` is over: what was due
        then is claimed and its sends have begun. After a restart, what the process starts
        next (the scheduler, the content folder's scan) waits for this, so channels that are
        not in doubt are posted to at once rather than after the rest of the start-up."""
        await self._first_round.wait()

    def wake(self, *, corrections: bool = False) -> None:
        """Look at the ledger now (new rows were made in this process); with
        ``corrections``, also look for corrected issues now (one was just ingested)."""
        self._corrections_asked = self._corrections_asked or corrections
        self._wake.set()

    def holds_lease(self) -> bool:
        """True while this worker may start a send: its last heartbeat that went through is
        recent enough that nobody can have taken its claims (see the module docstring)."""
        began = self._lease_from
        limit = (self.settings.worker_timeout - FENCE_MARGIN).total_seconds()
        fresh = began is not None and self._monotonic() - began < limit
        if not fresh and not self._fenced and began is not None:
            log.error(
                "delivery worker %s: no heartbeat has reached the database for %.0f s; no "
                "sends until one does (its claims may be taken over by other workers)",
                self.id,
                self._monotonic() - began,
            )
        self._fenced = not fresh
        return fresh

    @property
    def busy(self) -> int:
        """Groups in flight."""
        return len(self._running.tasks)

    async def drain(
        self,
        *,
        subscription_id: int | None = None,
        issue_id: int | None = None,
        include_paused: bool = False,
    ) -> None:
        """Send everything due now (optionally one subscription's or issue's) and return
        when nothing due is left; rows waiting for a retry time stay.

        A worker that was not started (``haishin send``, a test) beats while it drains, so
        a drain longer than the lease (a big audience, a settle time waited out) keeps
        its claims instead of fencing itself off."""
        if self._beat_task is not None:
            await self._drain(subscription_id, issue_id, include_paused)
            return
        await self._beat_once()
        self._beat_task = asyncio.create_task(self._beat(), name="delivery-heartbeat")
        try:
            await self._drain(subscription_id, issue_id, include_paused)
        finally:
            beat, self._beat_task = self._beat_task, None
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)

    async def _drain(
        self, subscription_id: int | None, issue_id: int | None, include_paused: bool
    ) -> None:
        while True:
            await self._hand_back()
            claimed = await self._fill(
                subscription_id=subscription_id,
                issue_id=issue_id,
                include_paused=include_paused,
            )
            if not claimed and not self._running.tasks:
                await self.sender.writer.close()  # its connection goes back; reopened on use
                return
            if self._running.tasks:
                await asyncio.wait(set(self._running.tasks), return_when=asyncio.FIRST_COMPLETED)

    async def correct(self) -> int:
        """Update sent messages of corrected issues now; returns how many."""
        return await self.corrections.run(self.id)

    # ---- the loop -----------------------------------------------------------------------

    async def _loop(self) -> None:
        last_corrections = -self.settings.corrections_every
        fixing: asyncio.Task[int] | None = None
        while not self._stopping:
            pause = self.settings.poll
            try:
                await self._hand_back()
                await self._fill()
            except Exception as exc:  # logged once per outage, retried with growing pauses
                pause = max(pause, self.health.failed("delivery worker", exc))
            else:
                self.health.succeeded("delivery worker")
                if not self._running.tasks:  # nothing in flight, nothing failing
                    self.health.succeeded(SENDS)
            finally:
                self._first_round.set()
            due = time.monotonic() - last_corrections >= self.settings.corrections_every
            if (due or self._corrections_asked) and (fixing is None or fixing.done()):
                # Updates are paced like sends; they run beside the sending, not before it.
                self._corrections_asked = False
                last_corrections = time.monotonic()
                fixing = asyncio.create_task(self._correct(), name="delivery-corrections")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
        if fixing is not None and not fixing.done():
            fixing.cancel()
            await asyncio.gather(fixing, return_exceptions=True)

    async def _correct(self) -> int:
        try:
            done = await self.corrections.run(self.id)
        except Exception as exc:  # tried again at the next round
            self.health.failed("delivery corrections", exc)
            return 0
        self.health.succeeded("delivery corrections")
        try:  # late copies of resent units: looked at on the same round
            await self.duplicates.run()
        except Exception as exc:
            self.health.failed("delivery duplicate check", exc)
        else:
            self.health.succeeded("delivery duplicate check")
        return done

    @property
    def on_unit(self) -> Callable[[Delivery, str], None] | None:
        """Called with each row and its new state (sent, failed, dead): progress bars."""
        return self.sender.on_unit

    @on_unit.setter
    def on_unit(self, callback: Callable[[Delivery, str], None] | None) -> None:
        self.sender.on_unit = callback

    def _retry_soon(self, seconds: float) -> None:
        if self._loop_task is not None:
            asyncio.get_running_loop().call_later(seconds, self._wake.set)

    async def _hand_back(self) -> None:
        leftovers = self.sender.leftovers
        if leftovers.unsent:
            rows = list(leftovers.unsent)
            await self.claims.unclaim(rows, self.id)
            leftovers.unsent.difference_update(rows)
        for reserved in list(leftovers.reserved):
            await self.claims.unreserve(reserved, self.id)
            leftovers.reserved.discard(reserved)
        if leftovers.in_doubt:
            ids = list(leftovers.in_doubt)
            await self.claims.release(self.id, ids=ids)
            leftovers.in_doubt.difference_update(ids)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat)
            await self._beat_once()

    async def _beat_once(self) -> None:
        began = self._monotonic()
        try:
            async with asyncio.timeout(HEARTBEAT_DEADLINE):
                await self.clock.sync()
                if not await self.heartbeats.heartbeat(self.id):
                    log.warning("delivery worker %s was taken for dead; registering again", self.id)
                    await self.heartbeats.register(self.id, host=self.host, pid=os.getpid())
        except Exception as exc:  # logged once per outage
            self.health.failed("delivery worker heartbeat", exc)
        else:
            self._lease_from = began
            if self._fenced:
                log.warning("delivery worker %s: heartbeats go through again", self.id)
                self._fenced = False
                self._wake.set()
            self.health.succeeded("delivery worker heartbeat")

    async def _fill(
        self,
        *,
        subscription_id: int | None = None,
        issue_id: int | None = None,
        include_paused: bool = False,
    ) -> int:
        room = self.settings.concurrency - len(self._running.tasks)
        if room <= 0 or not self.fanout.publishers or not self.holds_lease():
            return 0
        busy = {lane for lane, n in self._running.lanes.items() if n >= self.settings.lane_limit}
        heads = await self.sender.db(
            self.claims.claim_heads(
                self.id,
                room,
                busy_lanes=busy,
                platforms=list(self.fanout.publishers),
                subscription_id=subscription_id,
                issue_id=issue_id,
                include_paused=include_paused,
            )
        )
        over: list[Delivery] = []
        taken: list[Delivery] = []
        room_in = Counter(self._running.lanes)
        for head in heads:
            # One claim can take many heads of one lane: the lane's cap is applied here.
            if room_in[head.lane] >= self.settings.lane_limit:
                over.append(head)
            else:
                room_in[head.lane] += 1
                taken.append(head)
        if over:
            await self.claims.unclaim(over, self.id)
        try:
            starts = await self.sender.db(self.sender.prepare(taken))
        except Exception:
            self.sender.leftovers.unsent.update(taken)  # handed back by the next _hand_back
            raise
        for head in taken:
            self._running.lanes[head.lane] += 1
            task = asyncio.create_task(
                self.sender.run(head, starts.get(head.id)), name=f"deliver-{head.id}"
            )
            self._running.tasks.add(task)
            task.add_done_callback(functools.partial(self._done, head.lane))
        return len(taken)

    def _done(self, lane: str, task: asyncio.Task[None]) -> None:
        self._running.tasks.discard(task)
        self._running.lanes[lane] -= 1
        if self._running.lanes[lane] <= 0:
            del self._running.lanes[lane]
        self._wake.set()
