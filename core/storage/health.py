"""Whether the database takes writes, as the service's own writes find it.

The loops that write in the background (conversation cursors, handled webhook events, the
delivery worker's claims and heartbeat, the content watcher, the scheduler's sweep) report
each attempt here, each under its own name. A database that refuses writes (a full disk, a
read-only file or mount, a trigger that raises, a PostgreSQL standby or read-only
transaction) then costs

- one log line when a writer starts failing (with the first traceback) and one when it
  works again, not a traceback on every retry;
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

log = logging.getLogger("haishin.storage")

WriteState = Literal["ok", "read-only", "failing", "missing"]
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
_SEVERITY: dict[WriteState, int] = {"ok": 0, "failing": 1, "read-only": 2, "missing": 3}
_READ_ONLY_CODES = {"25006"}  # PostgreSQL's read_only_sql_transaction (standbys say it too)


@dataclass
class _Failing:
    state: WriteState
    reason: str
    failures: int
    since: float


def classify(exc: BaseException) -> tuple[WriteState, str]:
    """What a failed write says about the database: its state and a one-line reason."""
    cause: BaseException = getattr(exc, "orig", None) or exc
    text = " ".join(str(cause).split()) or type(cause).__name__
    code = getattr(cause, "sqlstate", None) or getattr(
        getattr(cause, "diag", None), "sqlstate", None
    )
    lowered = text.lower()
    if code in _READ_ONLY_CODES or "readonly" in lowered or "read-only" in lowered:
        return "read-only", text[:200]
    return "failing", text[:200]


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

        Logs (with the traceback) only when the writer was working until now, or its
        failures change state (``failing`` to ``read-only``, say).
        """
        state, reason = classify(exc)
        known = self._failing.get(writer)
        if known is None or known.state != state:
            log.error(
                "database writes failing (%s): %s; retrying with pauses up to %.0f s, "
                "logged again when it changes",
                writer,
                reason,
                self.cap,
                exc_info=exc,
            )
            failures = 1 if known is None else known.failures + 1
            since = self._now() if known is None else known.since
            known = self._failing[writer] = _Failing(state, reason, failures, since)
        else:
            known.failures += 1
        return self.backoff(known.failures)

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
