"""The background half of ``haishin serve``: delivery workers, content watcher, scheduler,
components and gauges, started after the web app's platforms and stopped before them."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bots.bootstrap import DeliveryKit, Services
    from bots.runtime import Component
    from core.ingest import IngestReport

log = logging.getLogger("haishin")

SHUTDOWN_GRACE = 20.0  # seconds sends under way may take to finish at shutdown
GAUGE_SECONDS = 15.0
FILE_CHECK_SECONDS = 5.0
FIRST_ROUND_SECONDS = 5.0  # the longest the start waits for delivery's first claims


class DeliveryRuntime:
    """The background half of ``haishin serve``: watcher, workers, scheduler, gauges."""

    def __init__(self, services: Services, kit: DeliveryKit, *, watch: bool = True) -> None:
        from bots.runtime import factories
        from bots.runtime.watcher import ContentWatcher
        from scheduler import SchedulerRuntime, SchedulerService

        self.services = services
        self.kit = kit
        self.scheduler = SchedulerService(
            services.db,
            SchedulerRuntime(
                kit.publishing, kit.worker.wake, self._reconcile, health=services.db.health
            ),
            on_lag=services.metrics.scheduler_lag.set,
        )
        # None: another process of this `serve --workers` watches the content folder.
        self.watcher = ContentWatcher(services, on_ingested=self._ingested) if watch else None
        self.extra: list[Component] = [
            component for factory in factories() if (component := factory(services)) is not None
        ]
        self._gauges: asyncio.Task[None] | None = None
        self._file_check: asyncio.Task[None] | None = None
        self._settle: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # Delivery first: after a restart, channels not in doubt are posted to before the
        # scheduler, the components and the content folder's scan take their share of the
        # start (units in doubt still wait their settle time: core.delivery.attempt).
        await self.kit.worker.start()
        with contextlib.suppress(TimeoutError):  # a locked database doesn't hold up the rest
            await asyncio.wait_for(self.kit.worker.first_round(), FIRST_ROUND_SECONDS)
        if self.watcher is not None:
            await self.watcher.start()  # its first scan runs once the service listens
        else:
            log.info(
                "content: worker 1 of this serve watches %s", self.services.settings.content_dir
            )
        await self.scheduler.start()
        for component in self.extra:
            await component.start()
        self._gauges = asyncio.create_task(self._refresh_gauges(), name="ledger-gauges")
        self._file_check = asyncio.create_task(self._check_file(), name="database-file")
        self._settle = asyncio.create_task(self._freeze_after_scan(), name="freeze")

    def status(self) -> dict[str, str]:
        """For ``/healthz``: whether the content folder's first scan is over."""
        scanning = self.watcher is not None and not self.watcher.scanned.is_set()
        return {"content": "scanning" if scanning else "ok"}

    async def stop(self) -> None:
        for task in (self._gauges, self._file_check, self._settle):
            if task is not None:
                task.cancel()
        for component in reversed(self.extra):
            try:
                await component.stop()
            except Exception:
                log.exception("error while stopping %r", component)
        if self.watcher is not None:
            await self.watcher.stop()
        await self.scheduler.stop()
        await self.kit.worker.stop(grace=SHUTDOWN_GRACE)

    async def _reconcile(self) -> None:
        await self.scheduler.reconcile()

    async def _ingested(self, report: IngestReport) -> None:
        await self.scheduler.reconcile()  # a new issue's publication job
        self.kit.worker.wake(corrections=True)

    async def _freeze_after_scan(self) -> None:
        """What the first scan loaded (the parsers, the issues) lives as long as the
        process, like what start-up built: out of the collector's way too (see the lifespan
        in ``bots.server``)."""
        if self.watcher is not None:
            await self.watcher.scanned.wait()
        gc.collect()
        gc.freeze()

    async def _check_file(self) -> None:
        """A SQLite file deleted or replaced under the running service: logged once, and
        ``/healthz`` says ``missing`` until it is back."""
        db = self.services.db
        while True:
            db.health.file_missing(await asyncio.to_thread(db.file_problem))
            await asyncio.sleep(FILE_CHECK_SECONDS)

    async def _refresh_gauges(self) -> None:
        from core.storage.delivery_ledger import DeliveryLedgerRepository

        ledger = DeliveryLedgerRepository(self.services.db)
        gauge = self.services.metrics.ledger_rows
        while True:
            try:
                counts = await ledger.counts()
                gauge.clear()
                for (platform, state), count in counts.items():
                    gauge.labels(platform, state).set(count)
            except Exception:
                log.debug("ledger gauges not refreshed", exc_info=True)
            await asyncio.sleep(GAUGE_SECONDS)
