"""Scheduling: APScheduler 3 jobs derived from subscriptions and issues, one leader per database.

``SchedulerService`` runs in every ``haishin serve``; only the leader runs a scheduler.
Jobs (``scheduler.jobs``) reach the live services through ``scheduler.runtime``.
"""

from scheduler.leadership import FileLeadership, Leadership, PostgresLeadership, leadership_for
from scheduler.runtime import SchedulerRuntime
from scheduler.service import SchedulerService
from scheduler.triggers import WeeklySlotTrigger

__all__ = [
    "FileLeadership",
    "Leadership",
    "PostgresLeadership",
    "SchedulerRuntime",
    "SchedulerService",
    "WeeklySlotTrigger",
    "leadership_for",
]
