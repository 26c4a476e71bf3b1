"""The scheduler of one ``haishin serve``: leader or standby, and the APScheduler inside.

Every process runs a ``SchedulerService``. It tries for leadership every few seconds;
the one that gets it starts an ``AsyncIOScheduler`` (inside the running loop) over a
``SQLAlchemyJobStore`` in our database (a synchronous engine: the job store can't use an
async one). The others log once why they stand by. A leader that loses its lock stops its
scheduler at once; a standby takes over within ``check_every`` seconds of the leader's end.

On SQLite the job store is a file of its own beside the database (``haishin.db.jobs``).
SQLite locks a whole file for a write, and the job store writes synchronously on the event
loop's thread: if an async delivery transaction held the lock at that moment, it could never
finish (it needs the loop) and the two would wait for each other until the busy timeout.
PostgreSQL locks rows, so there the jobs live in the database itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from core.storage.database import BUSY_TIMEOUT_SECONDS, Database, pg_connect_args
from scheduler.desired import desired_jobs, reconcile
from scheduler.jobs import jobs_ended
from scheduler.leadership import Leadership, PostgresLeadership, leadership_for
from scheduler.runtime import SWEEP_WRITER, SchedulerRuntime, install

log = logging.getLogger("haishin.scheduler")

JOBS_TABLE = "apscheduler_jobs"
# A new leader's first reconcile must finish within this, or it steps down again (its lock
# is checked only after): well under the ~25 s after which the server frees a silent lock.
STEP_UP_TIMEOUT = 10.0
JOBS_END_TIMEOUT = 5.0  # s a stepping-down leader waits for its cancelled jobs to end
JOB_STORE_LIMITS = {
    "connect_timeout": 3,
    "tcp_user_timeout": 3000,
    "options": "-c statement_timeout=5s -c lock_timeout=3s "
    "-c idle_in_transaction_session_timeout=60s -c tcp_keepalives_idle=5 "
    "-c tcp_keepalives_interval=2 -c tcp_keepalives_count=3 -c tcp_user_timeout=10000",
}


def job_store_url(db: Database) -> str:
    """Where the jobs are kept: the database itself, or on SQLite a file beside it."""
    if db.dialect != "sqlite":
        return db.sync_url
    path = Path(db.url.database or "haishin.db").expanduser().resolve()
    return f"sqlite:///{path.with_name(path.name + '.jobs')}"


class SchedulerService:
    """Leadership plus the scheduler it allows.

    Args:
        db: the database (job store and leadership).
        runtime: what the jobs reach (installed while this process leads).
        leadership: how leadership is decided (default: fits the database).
        check_every: seconds between leadership tries / checks.
        on_lag: called with how late each job started, in seconds (a metric).
        on_missed: called with the id of a job skipped for being later than its grace.
    """

    def __init__(
        self,
        db: Database,
        runtime: SchedulerRuntime,
        *,
        leadership: Leadership | None = None,
        check_every: float = 2.0,
        on_lag: Callable[[float], None] | None = None,
        on_missed: Callable[[str], None] | None = None,
    ) -> None:
        self.db = db
        self.runtime = runtime
        self.leadership = leadership or leadership_for(db)
        self.check_every = check_every
        self.on_lag = on_lag
        # When this process took the lead, and when each job was last placed (for the lag).
        self._started: datetime | None = None
        self._placed: dict[str, datetime] = {}
        self.on_missed = on_missed
        self.scheduler: Any = None
        self._engine: Engine | None = None
        self._task: asyncio.Task[None] | None = None
        self._told_standby = False
        self._reconciling = asyncio.Lock()

    @property
    def leader(self) -> bool:
        """True while this process runs the scheduler."""
        return self.scheduler is not None

    async def start(self) -> None:
        """Try for leadership now, then keep trying (or checking) in the background."""
        await self._tick()
        self._task = asyncio.create_task(self._watch(), name="scheduler-leadership")

    async def stop(self) -> None:
        """Stop the scheduler (if leading) and give up leadership."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._step_down()
        if isinstance(self.leadership, PostgresLeadership):
            await self.leadership.close()

    async def reconcile(self) -> None:
        """Bring the jobs in line with the database (leader only)."""
        if self.scheduler is None:
            return
        async with self._reconciling:
            specs = await desired_jobs(self.db)
            if self.scheduler is None:
                return
            changes = reconcile(self.scheduler, specs)
            now = datetime.now(UTC)
            for job_id in (*changes.added, *changes.replaced):
                self._placed[job_id] = now
            for job_id in changes.removed:
                self._placed.pop(job_id, None)
        if changes.changed:
            log.info(
                "scheduler jobs: added %s, moved %s, removed %s",
                list(changes.added) or "-",
                list(changes.replaced) or "-",
                list(changes.removed) or "-",
            )

    def next_runs(self) -> dict[str, datetime]:
        """Each job's next run time (leader only; empty otherwise)."""
        if self.scheduler is None:
            return {}
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}

    async def _watch(self) -> None:
        pause = self.check_every
        while True:
            if self.leader:
                await self.leadership.wait(pause)  # returns at once if the session ends
            else:
                await asyncio.sleep(pause)
            try:
                await self._tick()
            except Exception as exc:  # logged once per outage, retried with growing pauses
                pause = max(self.check_every, self.db.health.failed("scheduler leadership", exc))
            else:
                self.db.health.succeeded("scheduler leadership")
                pause = self.check_every

    async def _tick(self) -> None:
        if self.leader:
            if not await self.leadership.held():
                log.error("scheduler: leadership lost; stopping this process's scheduler")
                await self._step_down()
            return
        if await self.leadership.acquire():
            self._told_standby = False
            try:
                await self._step_up()
            except Exception:
                await self._step_down()
                raise
        elif not self._told_standby:
            self._told_standby = True
            log.warning(
                "scheduler: %s already runs the scheduler on %r; this process will not start "
                "another (one scheduler per database). It serves requests and delivers, and "
                "takes the scheduler over if that process stops.",
                self.leadership.holder(),
                self.db.url.render_as_string(hide_password=True),
            )

    async def _step_up(self) -> None:
        # The job store is synchronous, on the event loop's thread: on PostgreSQL it gets
        # the same timeouts as every other connection, so a hung database can't stall the
        # loop for longer than they allow.
        if self.db.dialect == "sqlite":
            connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_SECONDS}
        else:
            # Shorter limits than elsewhere: a call that hangs here holds up the whole loop,
            # the leader's watch on its lock included.
            connect_args = pg_connect_args(self.db.url) | JOB_STORE_LIMITS
        self._engine = create_engine(
            job_store_url(self.db),
            connect_args=connect_args,
            hide_parameters=True,
            pool_pre_ping=True,
        )
        scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self._engine, tablename=JOBS_TABLE)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        self._started = datetime.now(UTC)
        self._placed.clear()
        scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        install(self.runtime)
        scheduler.start()
        self.scheduler = scheduler
        log.info("scheduler: this process leads; scheduler started")
        # Nothing checks the lock while this runs: a database that stops answering now must
        # not keep a leader that the server may already have let go of.
        async with asyncio.timeout(STEP_UP_TIMEOUT):
            await self.reconcile()

    async def _step_down(self) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            with contextlib.suppress(Exception):
                scheduler.shutdown(wait=False)  # cancels the jobs under way
            await jobs_ended(JOBS_END_TIMEOUT)
            install(None)
            # A sweep that failed here is retried by the next leader; a standby's /healthz
            # must not go on reporting it.
            self.db.health.forget(SWEEP_WRITER)
            log.info("scheduler: stopped")
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        await self.leadership.release()

    def _submitted(self, event: Any) -> None:
        """The lag of a run that fell due while its job was in place. A run already overdue
        when its job was placed (an issue whose date is long past, a job store restored after
        downtime) is catch-up work, not lateness of the scheduler: not measured."""
        if self.on_lag is None or not event.scheduled_run_times:
            return
        due = event.scheduled_run_times[-1]
        placed = self._placed.get(event.job_id, self._started)
        if placed is not None and due < placed:
            return
        self.on_lag(max(0.0, (datetime.now(UTC) - due).total_seconds()))

    def _missed(self, event: Any) -> None:
        late = datetime.now(UTC) - event.scheduled_run_time
        log.warning(
            "scheduler: job %s was due %s ago, past its grace time, so it was skipped "
            "(a weekly subscriber gets the newest issue at its next slot)",
            event.job_id,
            str(late).split(".")[0],
        )
        if self.on_missed is not None:
            self.on_missed(event.job_id)
