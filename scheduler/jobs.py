"""Scheduled jobs: module-level functions with plain arguments, importable by reference.

Their references (``scheduler.jobs:weekly_digest``) are stored in the job store; renaming
or moving one breaks stored jobs, so these names are fixed. Each job is idempotent: running
it twice (a restart, a second process) hands an issue over once.

A job under way when this process stops leading (its database session lost) is cancelled
with the scheduler; that is said in one line, not APScheduler's traceback: the next leader's
sweep does what it left (publishing, on-publish and missed weekly hand-overs).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec

from scheduler.desired import WEEKLY_GRACE
from scheduler.runtime import SWEEP_WRITER, current

log = logging.getLogger("haishin.scheduler")
P = ParamSpec("P")


# The jobs under way in this process, so that stepping down can wait for the ones it
# cancelled: a job left finishing its cancellation while the caller closes the database
# could wait forever on a connection being closed under it.
_RUNNING: set[asyncio.Task[object]] = set()


def _left_to_the_next_leader(job: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    @functools.wraps(job)
    async def run(*args: P.args, **kwargs: P.kwargs) -> None:
        task = asyncio.current_task()
        if task is not None:
            _RUNNING.add(task)
        try:
            await job(*args, **kwargs)
        except asyncio.CancelledError:
            log.info("scheduler: job %s%s stopped with the scheduler", job.__name__, args)
        finally:
            if task is not None:
                _RUNNING.discard(task)

    return run


async def jobs_ended(seconds: float) -> None:
    """Wait (at most ``seconds``) for the jobs under way to end, e.g. once the scheduler's
    shutdown has cancelled them."""
    running = {task for task in _RUNNING if task is not asyncio.current_task()}
    if running:
        await asyncio.wait(running, timeout=seconds)


@_left_to_the_next_leader
async def publish_issue(number: int) -> None:
    """An issue's publication time has come: publish what is due and hand it over.

    A failure (the database refusing writes, a connection cut) is reported like the sweep's:
    the sweep publishes what is due a few seconds later, so nothing is lost.
    """
    runtime = current()
    try:
        published = await runtime.publishing.publish_due()
        handover = await runtime.publishing.hand_over_on_publish()
    except Exception as exc:
        if runtime.health is None:
            raise
        runtime.health.failed(SWEEP_WRITER, exc)
        return
    if handover is not None and handover.rows:
        runtime.wake()
    got = handover.subscriptions if handover else 0
    why = ""
    if not got:
        try:
            why = f" ({await runtime.publishing.why_nothing_handed()})"
        except Exception:  # only words for the log; the sweep reports database trouble
            log.debug("why nothing was handed over: not known", exc_info=True)
    log.info(
        "publication of issue %d: published %s; %d subscription(s) got it%s",
        number,
        published or "nothing new",
        got,
        why,
    )


@_left_to_the_next_leader
async def weekly_digest(subscription_id: int) -> None:
    """A weekly subscriber's slot: hand over the newest issue published by it, if new to it.

    A failure (the database away when the slot comes) is reported like the sweep's, and the
    sweep hands the slot's digest over once the database answers (``catch_up_weekly``), on
    whichever process leads by then: once, however many tried.
    """
    runtime = current()
    try:
        handover = await runtime.publishing.hand_over_weekly(subscription_id)
    except Exception as exc:
        if runtime.health is None:
            raise
        runtime.health.failed(SWEEP_WRITER, exc)
        log.debug("weekly digest for subscription %d: left to the sweep", subscription_id)
        return
    if handover is not None and handover.rows:
        runtime.wake()
        log.info("weekly digest: issue %d to subscription %d", handover.number, subscription_id)
    else:
        log.info("weekly digest: nothing new for subscription %d", subscription_id)


@_left_to_the_next_leader
async def sweep() -> None:
    """Every few seconds: publish what is due, hand the newest issue to on-publish
    subscribers who lack it, hand over weekly digests whose slot passed without them (less
    than ``WEEKLY_GRACE`` ago), and bring the jobs in line with the subscriptions.

    While the database refuses writes, a failed sweep is reported to the runtime's health
    (one log line per outage) rather than logged with a traceback every time.
    """
    runtime = current()
    try:
        await runtime.publishing.publish_due()
        handover = await runtime.publishing.hand_over_on_publish()
        if handover is not None and handover.rows:
            runtime.wake()
        for late in await runtime.publishing.catch_up_weekly(WEEKLY_GRACE):
            log.warning(
                "weekly digest caught up: issue %d to %d subscription(s) whose slot passed "
                "without it",
                late.number,
                late.subscriptions,
            )
            if late.rows:
                runtime.wake()
        await runtime.reconcile()
    except Exception as exc:
        if runtime.health is None:
            raise
        runtime.health.failed(SWEEP_WRITER, exc)
    else:
        if runtime.health is not None:
            runtime.health.succeeded(SWEEP_WRITER)
