"""Reading stats upkeep in ``haishin serve``: days past ``stats_days`` are forgotten at start
and then every hour (at most once a day each time), also while nothing is being counted."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bots.bootstrap import Services
from core.stats import StatsRecorder
from core.storage.health import log_failure

log = logging.getLogger("haishin.stats")

EVERY = 3600.0


class StatsUpkeep:
    """Prunes the reading stats now and then (see ``StatsRecorder.prune_if_due``)."""

    def __init__(self, stats: StatsRecorder, every: float = EVERY) -> None:
        self.stats = stats
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="stats-upkeep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.stats.prune_if_due()
            except Exception as exc:
                log_failure(log, exc, "old reading stats not pruned; trying again in an hour")
            await asyncio.sleep(self.every)


def stats_upkeep(services: Services) -> StatsUpkeep:
    """The upkeep of the service's reading stats."""
    return StatsUpkeep(services.stats)
