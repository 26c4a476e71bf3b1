"""Watching the content folder: a new or changed issue file is ingested within seconds.

File events come from ``watchfiles`` (inotify and friends). Where those don't arrive (a
network share, some container mounts), a rescan every ``rescan`` seconds compares each
file's size and modification time and ingests what changed, so nothing waits more than a
minute either way. An unchanged file costs nothing: ingest skips same content.

A file removed before its issue was published holds that issue (``hold_removed_files``).
A bad file is reported once and skipped until it changes; when the database refuses the
writes, the files are tried again after a pause that grows (see ``WriteHealth``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from watchfiles import Change, awatch

from bots.bootstrap import Services

if TYPE_CHECKING:  # the parsers load after the service listens, with the first scan
    from core.ingest import FileOutcome, IngestReport

log = logging.getLogger("haishin.content")

OnIngested = Callable[["IngestReport"], Awaitable[None]]
RESCAN_SECONDS = 60.0
WAKE_SECONDS = 1.0  # the watch wakes this often to see whether a rescan is due
WRITER = "content watcher"


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
        self.scanned = asyncio.Event()  # the first scan is over (stored or failed)

    async def start(self) -> None:
        """Start watching; every issue file is ingested first (unchanged ones are skipped)
        in the background, so the service listens meanwhile (``scanned`` says when)."""
        self.issues_dir.mkdir(parents=True, exist_ok=True)
        self._seen = {}
        self._stop.clear()
        self.scanned.clear()
        self._task = asyncio.create_task(self._watch(), name="content-watcher")

    async def _first_scan(self) -> None:
        """Every file, once; while the database fails, again after growing pauses."""
        try:
            report = await self.scan(initial=True)
        except Exception as exc:  # the database: the watcher tries again at once
            self.services.db.health.failed(WRITER, exc)
            failed = True
        else:
            failed = False
            if report is not None:
                log.info("content: %s", report.summary())
                for outcome in report.outcomes:
                    _log_outcome(outcome, quiet=True)
        self.scanned.set()
        log.info("watching %s for new and changed issues", self.issues_dir)
        if failed:
            await self._scan_until_stored()

    async def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def scan(self, *, initial: bool = False) -> IngestReport | None:
        """Ingest every issue file that is new or changed since the last look, and hold
        the issues whose files were removed before they were published.

        Raises:
            Exception: the database failed; nothing counts as seen, so the next scan
                tries the same files again.
        """
        from core.ingest import IngestReport, default_issue_paths, hold_removed_files

        async with self._lock:
            now = await asyncio.to_thread(
                lambda: _fingerprints(default_issue_paths(self.content_dir))
            )
            changed = [path for path, mark in now.items() if self._seen.get(path) != mark]
            gone = self._seen.keys() - now.keys()
            report = await self._ingest(changed, quiet=initial) if changed else None
            held: list[tuple[int, str]] = []
            if gone or initial:
                held = await hold_removed_files(
                    self.services.db, self.content_dir, clock=self.services.clock
                )
            for number, key in held:
                log.warning(
                    "content: %s was removed before issue %d was published; the issue is "
                    "held (not published, not sent) until the file is back",
                    key,
                    number,
                )
            self._seen = now
            if self.on_ingested is not None and (held or (report and report.changed)):
                await self.on_ingested(report or IngestReport(()))
            return report

    async def _watch(self) -> None:
        """The first scan runs once the folder is watched, so nothing written meanwhile is
        missed; then a scan on every change, and every ``rescan`` seconds regardless."""
        loop = asyncio.get_running_loop()
        scanned_at: float | None = None  # loop time of the last scan; None before the first
        while not self._stop.is_set():
            try:
                async for changes in awatch(
                    self.issues_dir,
                    stop_event=self._stop,
                    watch_filter=_issue_files,
                    rust_timeout=int(WAKE_SECONDS * 1000),
                    yield_on_timeout=True,
                    debounce=800,
                ):
                    if scanned_at is None:
                        await self._first_scan()
                    elif changes or loop.time() - scanned_at >= self.rescan:
                        if changes:
                            log.debug("content changes: %s", changes)
                        await self._scan_until_stored()
                    else:
                        continue
                    scanned_at = loop.time()
            except asyncio.CancelledError:
                raise
            except Exception:  # watchfiles itself (the folder vanished, say)
                log.exception("content watcher failed; rescanning every %.0f s", self.rescan)
                if scanned_at is not None:
                    await self._pause(self.rescan)
                    await self._scan_until_stored()
                else:
                    await self._first_scan()
                scanned_at = loop.time()

    async def _scan_until_stored(self) -> None:
        """Scan; while the database fails, scan again after growing pauses."""
        health = self.services.db.health
        while not self._stop.is_set():
            try:
                await self.scan()
            except Exception as exc:
                await self._pause(health.failed(WRITER, exc))
            else:
                health.succeeded(WRITER)
                return

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _ingest(self, paths: list[Path], *, quiet: bool = False) -> IngestReport:
        from core.ingest import ingest_paths

        services = self.services
        report = await ingest_paths(
            sorted(paths),
            profile=services.profile,
            db=services.db,
            content_dir=self.content_dir,
            clock=services.clock,
        )
        for outcome in () if quiet else report.outcomes:
            _log_outcome(outcome)
        return report


def _log_outcome(outcome: FileOutcome, *, quiet: bool = False) -> None:
    """One line for a file that failed, is a copy or is held; for a stored one unless quiet."""
    if outcome.status == "error":
        log.error("content: %s", outcome.message)
    elif outcome.status == "copy":
        log.warning("content: %s is %s", outcome.path, outcome.note)
    elif outcome.held is not None and outcome.status != "unchanged":
        log.warning("content: %s is issue %s, %s", outcome.path, outcome.number, outcome.note)
    elif not quiet and (outcome.status != "unchanged" or outcome.note):
        log.info(
            "content: %s is %s: issue %s revision %s%s",
            outcome.path,
            outcome.status,
            outcome.number,
            outcome.revision,
            f" ({outcome.note})" if outcome.note else "",
        )


def _issue_files(change: Change, path: str) -> bool:
    from core.ingest import ISSUE_SUFFIXES

    name = Path(path).name
    return not name.startswith(".") and Path(path).suffix.lower() in ISSUE_SUFFIXES


def _fingerprints(paths: list[Path]) -> dict[Path, tuple[int, int]]:
    marks = {}
    for path in paths:
        with contextlib.suppress(OSError):
            stat = path.stat()
            marks[path] = (stat.st_size, stat.st_mtime_ns)
    return marks
