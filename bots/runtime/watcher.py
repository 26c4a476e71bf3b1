"""Watching the content folder: a new or changed issue file is ingested within seconds.

File events come from ``watchfiles`` (inotify and friends). Where those don't arrive (a
network share, some container mounts), a rescan every ``rescan`` seconds compares each
file's size and modification time and ingests what changed, so nothing waits more than a
minute either way. An unchanged file costs nothing: ingest skips same content.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import Change, awatch

from bots.bootstrap import Services
from core.ingest import ISSUE_SUFFIXES, IngestReport, default_issue_paths, ingest_paths

log = logging.getLogger("haishin.content")

OnIngested = Callable[[IngestReport], Awaitable[None]]
RESCAN_SECONDS = 60.0


class ContentWatcher:
    """Ingests issue files as they appear or change under ``content/issues``.

    Args:
        services: the running services (profile, database, clock, settings).
        on_ingested: called after files were stored (new or revised), e.g. to re-plan jobs.
        rescan: seconds between full rescans (the fallback for missed events).
    """

    def __init__(
        self,
        services: Services,
        *,
        on_ingested: OnIngested | None = None,
        rescan: float = RESCAN_SECONDS,
    ) -> None:
        self.services = services
        self.content_dir = services.settings.content_dir
        self.issues_dir = services.settings.issues_dir
        self.on_ingested = on_ingested
        self.rescan = rescan
        self._seen: dict[Path, tuple[int, int]] = {}
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Ingest every issue file now (unchanged ones are skipped), then keep watching."""
        self.issues_dir.mkdir(parents=True, exist_ok=True)
        self._seen = {}
        report = await self.scan(initial=True)
        if report is not None:
            log.info("content: %s", report.summary())
            for outcome in report.errors:
                log.error("content: %s", outcome.message)
        self._stop.clear()
        self._task = asyncio.create_task(self._watch(), name="content-watcher")
        log.info("watching %s for new and changed issues", self.issues_dir)

    async def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def scan(self, *, initial: bool = False) -> IngestReport | None:
        """Ingest every issue file that is new or changed since the last look."""
        async with self._lock:
            now = _fingerprints(default_issue_paths(self.content_dir))
            changed = [path for path, mark in now.items() if self._seen.get(path) != mark]
            for path in self._seen.keys() - now.keys():
                log.info("%s was removed; its issue stays stored", path)
            self._seen = now
            if not changed:
                return None
            return await self._ingest(changed, quiet=initial)

    async def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                async for changes in awatch(
                    self.issues_dir,
                    stop_event=self._stop,
                    watch_filter=_issue_files,
                    rust_timeout=int(self.rescan * 1000),
                    yield_on_timeout=True,
                    debounce=800,
                ):
                    if changes:
                        log.debug("content changes: %s", changes)
                    await self.scan()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("content watcher failed; rescanning every %.0f s", self.rescan)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.rescan)
                await self.scan()

    async def _ingest(self, paths: list[Path], *, quiet: bool = False) -> IngestReport:
        services = self.services
        report = await ingest_paths(
            sorted(paths),
            profile=services.profile,
            db=services.db,
            content_dir=self.content_dir,
            clock=services.clock,
        )
        for outcome in () if quiet else report.outcomes:
            if outcome.status == "error":
                log.error("content: %s", outcome.message)
            elif outcome.status != "unchanged":
                log.info(
                    "content: %s is %s: issue %s revision %s",
                    outcome.path,
                    outcome.status,
                    outcome.number,
                    outcome.revision,
                )
        stored = report.count("new") + report.count("revised")
        if stored and self.on_ingested is not None:
            await self.on_ingested(report)
        return report


def _issue_files(change: Change, path: str) -> bool:
    name = Path(path).name
    return not name.startswith(".") and Path(path).suffix.lower() in ISSUE_SUFFIXES


def _fingerprints(paths: list[Path]) -> dict[Path, tuple[int, int]]:
    marks = {}
    for path in paths:
        with contextlib.suppress(OSError):
            stat = path.stat()
            marks[path] = (stat.st_size, stat.st_mtime_ns)
    return marks
