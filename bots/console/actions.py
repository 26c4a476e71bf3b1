"""The console's actions, through the delivery code's own services.

Pause and resume are ``core.delivery.pause``/``resume`` (resuming revives the rows the
pause stopped). Publishing is ``Publishing.publish``: in a process that runs the scheduler
(the leader), the issue is also handed to on-publish subscribers and the workers are woken
at once, as the scheduler's own publication job does; elsewhere the leader's sweep does
that within seconds.
"""

from __future__ import annotations

import logging

from bots.bootstrap import Services
from core.delivery import Fanout, Publishing, pause, resume
from core.storage.issues import IssueRepository, StoredIssue
from core.storage.subscriptions import Subscription

log = logging.getLogger("haishin.console")

PAUSE_REASON = "paused from the console"


async def publish_now(services: Services, number: int) -> bool:
    """Publish an issue now; False when it was out already.

    Raises:
        NotFound: no such issue.
    """
    from scheduler.runtime import current

    try:
        runtime = current()
    except RuntimeError:
        # Not the scheduler's leader: recording the publication is all there is to do here.
        fanout = Fanout(services.profile.name, {})
        return await Publishing(services.db, fanout, clock=services.clock).publish(number)
    published = await runtime.publishing.publish(number)
    handover = await runtime.publishing.hand_over_on_publish()
    if handover is not None and handover.rows:
        runtime.wake()
    log.info("console: issue %d published now (%s)", number, "new" if published else "was out")
    return published


async def unschedule_issue(services: Services, number: int) -> StoredIssue:
    """Cancel an unpublished issue (``IssueRepository.cancel``); the scheduler's sweep
    drops its publication job within seconds, and publishes nothing held meanwhile.

    Raises:
        NotFound: no such issue.
        ContentError: it was published already.
    """
    stored = await IssueRepository(services.db, clock=services.clock).cancel(number)
    log.info("console: issue %d cancelled", number)
    return stored


async def reschedule_issue(services: Services, number: int) -> StoredIssue:
    """Undo ``unschedule_issue`` (raises ``NotFound`` when there is no such issue)."""
    stored = await IssueRepository(services.db, clock=services.clock).reschedule(number)
    log.info("console: issue %d back on schedule", number)
    return stored


async def pause_subscription(services: Services, subscription_id: int) -> Subscription:
    """Stop sends to a subscription (raises ``NotFound`` when there is none)."""
    return await pause(services.db, subscription_id, PAUSE_REASON, clock=services.clock)


async def resume_subscription(services: Services, subscription_id: int) -> int:
    """Send to a subscription again; returns how many stopped sends will go out after all."""
    _, revived = await resume(services.db, subscription_id, clock=services.clock)
    return revived
