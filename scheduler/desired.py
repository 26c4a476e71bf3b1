"""The jobs the scheduler should hold, derived from the database, and bringing it in line.

- ``sweep``: every few seconds (publishes due issues, hands issues to on-publish
  subscribers, re-derives these jobs, so an edit made anywhere reaches the scheduler).
- ``publish:N``: issue N's publication time (an unpublished issue with ``publish_at``).
- ``digest:ID``: a weekly subscription's slot; editing the subscription moves it.

A job whose definition has not changed is left alone: replacing it would reset its next run
time and lose a run missed during downtime (the one the misfire grace time is there for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.storage.database import Database
from core.storage.issues import IssueRepository
from core.storage.subscriptions import SubscriptionRepository
from scheduler.triggers import WeeklySlotTrigger

PREFIXES = ("sweep", "publish:", "digest:")
SWEEP_SECONDS = 15
# A weekly digest missed while haishin was down still goes out (once) within this long.
WEEKLY_GRACE = timedelta(hours=12)


@dataclass(frozen=True)
class JobSpec:
    """One job as it should be."""

    id: str
    func: str
    args: tuple[int, ...]
    trigger: Any
    misfire_grace_time: int | None

    def same_as(self, job: Any) -> bool:
        """True when a stored job already is this one."""
        return (
            job.func_ref == self.func
            and tuple(job.args) == self.args
            and str(job.trigger) == str(self.trigger)
            and job.misfire_grace_time == self.misfire_grace_time
        )


async def desired_jobs(
    db: Database,
    *,
    sweep_seconds: int = SWEEP_SECONDS,
    weekly_grace: timedelta = WEEKLY_GRACE,
) -> list[JobSpec]:
    """Every job the database calls for."""
    specs = [
        JobSpec(
            "sweep",
            "scheduler.jobs:sweep",
            (),
            IntervalTrigger(seconds=sweep_seconds, timezone="UTC"),
            sweep_seconds,
        )
    ]
    for number, at in await IssueRepository(db).publication_times():
        # However late (a restart after the time): publishing must happen.
        specs.append(
            JobSpec(
                f"publish:{number}",
                "scheduler.jobs:publish_issue",
                (number,),
                DateTrigger(run_date=at, timezone="UTC"),
                None,
            )
        )
    for subscription in await SubscriptionRepository(db).list(active=True):
        if subscription.cadence == "weekly" and subscription.slot is not None:
            specs.append(
                JobSpec(
                    f"digest:{subscription.id}",
                    "scheduler.jobs:weekly_digest",
                    (subscription.id,),
                    WeeklySlotTrigger(subscription.slot),
                    int(weekly_grace.total_seconds()),
                )
            )
    return specs


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What ``reconcile`` changed."""

    added: tuple[str, ...]
    replaced: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """True when any job changed."""
        return bool(self.added or self.replaced or self.removed)


def reconcile(scheduler: Any, specs: list[JobSpec]) -> Reconciled:
    """Make the scheduler's jobs (those with our prefixes) exactly ``specs``."""
    wanted = {spec.id: spec for spec in specs}
    existing = {job.id: job for job in scheduler.get_jobs() if job.id.startswith(PREFIXES)}
    added: list[str] = []
    replaced: list[str] = []
    for spec in specs:
        job = existing.get(spec.id)
        if job is not None and spec.same_as(job):
            continue
        scheduler.add_job(
            spec.func,
            trigger=spec.trigger,
            args=spec.args,
            id=spec.id,
            name=spec.id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=spec.misfire_grace_time,
        )
        (replaced if job is not None else added).append(spec.id)
    removed = [job_id for job_id in existing if job_id not in wanted]
    for job_id in removed:
        scheduler.remove_job(job_id)
    return Reconciled(tuple(added), tuple(replaced), tuple(removed))
