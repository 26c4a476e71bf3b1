"""Whether the database takes writes, as the service's own writes find it.

The loops that write in the background (conversation cursors, handled webhook events, the
delivery worker's claims and heartbeat, the content watcher, the scheduler's sweep) report
each attempt here, each under its own name. A database that refuses writes (a full disk, a
read-only file or mount, a trigger that raises, a PostgreSQL standby or read-only
transaction) then costs

- one log line when a writer starts failing and one when it works again, not a traceback
  on every retry (the traceback only at DEBUG; a failure that is not the database's, a
  mistake in haishin, keeps its traceback);
- a growing pause between a writer's retries (``backoff``: doubling up to a cap), not a
  retry every 0.1 s;
- a state for ``/healthz``: ``ok``, ``read-only``, ``failing``, or ``missing`` when the
  SQLite file the service opened was deleted or replaced under it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import exc as sa_exc

log = logging.getLogger("haishin.storage")

WriteState = Literal["ok", "read-only", "failing", "missing"]
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
_SEVERITY: dict[WriteState, int] = {"ok": 0, "failing": 1, "read-only": 2, "missing": 3}
_READ_ONLY_CODES = {"25006"}  # PostgreSQL's read_only_sql_transaction (standbys say it too)
_DRIVERS = ("sqlite3", "aiosqlite", "psycopg")
_MISTAKES = ("42",)  # SQLSTATE class 42: a statement haishin got wrong (syntax, no such table)
# The database away, restarting, refusing or too slow: SQLAlchemy's wrapped driver errors,
# the pool's checkout timeout, a connection lost inside a transaction, a call's deadline.
_FAULTS = (
    sa_exc.DBAPIError,
    sa_exc.TimeoutError,
    sa_exc.DisconnectionError,
    sa_exc.PendingRollbackError,
    TimeoutError,
    ConnectionError,
)


@dataclass
class _Failing:
    state: WriteState
    reason: str
    failures: int
    since: float


def _sqlstate(exc: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE code of a (wrapped) driver error, if it has one."""
    cause: BaseException = getattr(exc, "orig", None) or exc
    code = getattr(cause, "sqlstate", None) or getattr(
        getattr(cause, "diag", None), "sqlstate", None
    )
    return code if isinstance(code, str) else None


def classify(exc: BaseException) -> tuple[WriteState, str]:
    """What a failed write says about the database: its state and a one-line reason."""
    cause: BaseException = getattr(exc, "orig", None) or exc
    text = " ".join(str(cause).split()) or type(cause).__name__
    code = _sqlstate(exc)
    lowered = text.lower()
    if code in _READ_ONLY_CODES or "readonly" in lowered or "read-only" in lowered:
        return "read-only", text[:200]
    return "failing", text[:200]


def is_database_fault(exc: BaseException) -> bool:
    """True when ``exc`` is the database failing (out of reach, restarting, refusing writes,
    timing out), False for a mistake in haishin's own code (a malformed statement included).
    """
    kinds = type(exc).__mro__
    code = _sqlstate(exc)
    if code is not None:
        return not code.startswith(_MISTAKES)
    if any(kind.__name__ == "ProgrammingError" for kind in kinds):
        return False  # SQLite's word for a statement haishin got wrong
    if isinstance(exc, _FAULTS):
        return True
    # A driver's own error, not wrapped by SQLAlchemy (its DB-API base class is ``Error``).
    return any(
        kind.__name__ == "Error" and kind.__module__.split(".")[0] in _DRIVERS for kind in kinds
    )


def log_failure(logger: logging.Logger, exc: BaseException, message: str, *args: object) -> None:
    """Log a failed round of a loop that runs now and then (a feed poll, an hourly upkeep):
    a database fault as one line with its reason (the traceback at DEBUG), anything else
    with its traceback."""
    if is_database_fault(exc):
        logger.error(message + " (the database: %s)", *args, classify(exc)[1])
        logger.debug(message, *args, exc_info=exc)
    else:
        logger.error(message, *args, exc_info=exc)


class WriteHealth:
    """The database's write state, from what background writers report.

    Args:
        base: the first pause after a failure, in seconds.
        cap: the longest pause.
        monotonic: the clock the pauses and outage lengths are measured on.
    """

    def __init__(
        self,
        *,
        base: float = BACKOFF_BASE,
        cap: float = BACKOFF_CAP,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base
        self.cap = cap
        self._now = monotonic
        self._failing: dict[str, _Failing] = {}
        self._missing: str | None = None

    @property
    def state(self) -> WriteState:
        """The worst state any writer (or the file check) is in."""
        if self._missing is not None:
            return "missing"
        states: list[WriteState] = [f.state for f in self._failing.values()]
        return max(states, key=_SEVERITY.__getitem__, default="ok")

    @property
    def reason(self) -> str | None:
        """Why, in one line, when the state is not ``ok``."""
        if self._missing is not None:
            return self._missing
        worst = max(self._failing.values(), key=lambda f: _SEVERITY[f.state], default=None)
        return None if worst is None else worst.reason

    def failing(self, now: float | None = None) -> dict[str, dict[str, object]]:
        """Each failing writer: its state, failed attempts so far, and seconds since the
        first (for ``/healthz``)."""
        at = self._now() if now is None else now
        return {
            writer: {
                "state": f.state,
                "failures": f.failures,
                "seconds": round(at - f.since, 1),
            }
            for writer, f in sorted(self._failing.items())
        }

    def failed(self, writer: str, exc: BaseException) -> float:
        """``writer``'s write failed; returns how long it should wait before trying again.

        Logs only when the writer was working until now, or its failures change state
        (``failing`` to ``read-only``, say): one line, its traceback at DEBUG, unless the
        failure is not the database's (``is_database_fault``), which keeps its traceback.
        """
        state, reason = classify(exc)
        known = self._failing.get(writer)
        if known is None or known.state != state:
            fault = is_database_fault(exc)
            log.error(
                "%s (%s): %s; retrying with pauses up to %.0f s, logged again when it changes",
                "database writes failing" if fault else "failed unexpectedly",
                writer,
                reason,
                self.cap,
                exc_info=None if fault else exc,
            )
            if fault:
                log.debug("database writes failing (%s)", writer, exc_info=exc)
            failures = 1 if known is None else known.failures + 1
            since = self._now() if known is None else known.since
            known = self._failing[writer] = _Failing(state, reason, failures, since)
        else:
            known.failures += 1
        return self.backoff(known.failures)

    def absorbed(self, writer: str, exc: BaseException) -> bool:
        """One item of ``writer``'s work (a delivery group, a correction) failed with
        ``exc``. A database fault counts against the writer (``failed``: one line per
        outage for all its items) and True is returned; anything else is the caller's to
        log, with its traceback (False)."""
        if not is_database_fault(exc):
            return False
        self.failed(writer, exc)
        return True

    def succeeded(self, writer: str) -> None:
        """``writer``'s write went through."""
        known = self._failing.pop(writer, None)
        if known is not None:
            log.warning(
                "database writes work again (%s) after %.0f s and %d failed attempt(s)",
                writer,
                self._now() - known.since,
                known.failures,
            )

    def forget(self, writer: str) -> None:
        """``writer`` no longer runs in this process (a scheduler that stepped down): its
        failures no longer say anything about the database here."""
        if self._failing.pop(writer, None) is not None:
            log.info("database writes (%s): no longer made by this process", writer)

    def backoff(self, failures: int) -> float:
        """The pause after ``failures`` failures in a row: base, 2×base, 4×base … cap."""
        doublings = min(max(failures - 1, 0), 32)
        return float(min(self.cap, self.base * 2.0**doublings))

    def file_missing(self, reason: str | None) -> None:
        """What the SQLite file check found: why the file is gone, or None when it is there."""
        if reason == self._missing:
            return
        if reason is not None:
            log.error("%s", reason)
        else:
            log.warning("the database file is back where it was")
        self._missing = reason
