"""The database server's time, for the times several hosts compare.

Hosts' clocks disagree, sometimes by minutes. Claims and heartbeats are stamped by one host
and judged by another (a worker silent for 30 s is dead), so a host whose clock runs two
minutes behind would look dead to the others while it sends, and its units would be sent
twice. On PostgreSQL haishin therefore keeps time the server's way: the host's clock plus
the offset to the server's ``clock_timestamp()``, measured again at every heartbeat (between
measurements the host's clock only has to run at the right rate, which it does far better
than it keeps the right time). On SQLite every process shares one host's clock anyway.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import text

from core.clock import Clock, SystemClock
from core.storage.database import Database

log = logging.getLogger("haishin.storage")

# An answer slower than this says little about the server's time: the last offset stays,
# unless it was measured slower still (its error is at most half the round trip).
MAX_ROUND_TRIP = 1.0
TELL_OFFSET = timedelta(seconds=5)


class DatabaseClock(Clock):
    """``base`` corrected to the database server's time (see the module docstring).

    Args:
        db: the database whose time counts (PostgreSQL; on SQLite ``sync`` does nothing).
        base: the host's clock.
    """

    def __init__(self, db: Database, base: Clock | None = None) -> None:
        self._db = db
        self._base = base or SystemClock()
        self.offset = timedelta(0)
        self._trip: float | None = None
        self._told = False

    def now(self) -> datetime:
        return self._base.now() + self.offset

    async def sync(self) -> None:
        """Measure the offset to the server's clock again (a quick query)."""
        if self._db.dialect != "postgresql":
            return
        began, before = time.monotonic(), self._base.now()
        async with self._db.reading() as conn:
            server = await conn.scalar(text("SELECT clock_timestamp()"))
        trip = time.monotonic() - began
        if not isinstance(server, datetime):
            return
        if trip > MAX_ROUND_TRIP and self._trip is not None and trip > self._trip:
            return  # a busy moment: the measurement in use is the better one
        self.offset = server - (before + timedelta(seconds=trip / 2))
        self._trip = trip
        off = abs(self.offset) >= TELL_OFFSET
        if off and not self._told:
            log.warning(
                "this host's clock is %+.1f s off the database server's; haishin keeps the "
                "server's time for claims and heartbeats (fix the host's NTP all the same)",
                -self.offset.total_seconds(),
            )
        self._told = off
