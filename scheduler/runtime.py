"""The live services a scheduled job reaches.

Stored jobs hold only a function reference and plain arguments (ids), because APScheduler
pickles them into the database. When a job runs, it finds the running process's services
here; ``install`` puts them here when the scheduler starts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.delivery.publishing import Publishing
from core.storage.health import WriteHealth


@dataclass
class SchedulerRuntime:
    """What the jobs use.

    Args:
        publishing: publishes issues and hands them to subscribers.
        wake: tells the delivery workers of this process that new rows are waiting.
        reconcile: re-derives the scheduler's jobs from subscriptions and issues.
        health: where the sweep reports its writes (None: its failures are raised).
    """

    publishing: Publishing
    wake: Callable[[], None]
    reconcile: Callable[[], Awaitable[None]]
    health: WriteHealth | None = None


# What the sweep and the jobs report their database failures as (``WriteHealth``).
SWEEP_WRITER = "scheduler sweep"

_current: SchedulerRuntime | None = None


def install(runtime: SchedulerRuntime | None) -> None:
    """Make ``runtime`` the one jobs use (None clears it)."""
    global _current
    _current = runtime


def current() -> SchedulerRuntime:
    """The installed runtime.

    Raises:
        RuntimeError: no scheduler runtime was installed in this process.
    """
    if _current is None:
        raise RuntimeError(
            "no scheduler runtime in this process: jobs run only inside `haishin serve`"
        )
    return _current
