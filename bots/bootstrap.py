"""The composition root: build every service once, from settings, with fakes where given.

Production passes nothing but settings; tests pass a clock, a database or publishers.
Importing this module has no side effects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bots.metrics import Metrics, StatsMetrics
from bots.platform import Platform
from bots.settings import Settings
from core.clock import Clock, SystemClock
from core.commands import CommandEngine
from core.errors import ConfigError
from core.profile import Profile, load_profile
from core.stats import StatsRecorder
from core.storage.conversations import DatabaseConversations
from core.storage.database import Database
from core.storage.dbclock import DatabaseClock
from core.storage.library import DatabaseLibrary
from core.storage.stats import StatsRepository

log = logging.getLogger("haishin")

# Answering readers: a checked issue head answers again for up to a second (another
# process's ingest shows within that; this process's at once), and "next page" cursors are
# written together every 0.1 s (see DatabaseLibrary and DatabaseConversations).
FRESH_FOR = 1.0
WRITE_BEHIND = 0.1
# Reading stats are counted in memory and written together once a second.
STATS_WRITE_BEHIND = 1.0


@dataclass
class Services:
    """Everything the web app, the CLI and the scheduler share."""

    settings: Settings
    profile: Profile
    db: Database
    clock: Clock
    library: DatabaseLibrary
    engine: CommandEngine
    stats: StatsRecorder
    metrics: Metrics = field(default_factory=Metrics)
    platforms: dict[str, Platform] = field(default_factory=dict)

    async def close(self) -> None:
        """Write what waits to be written, then release the database connections."""
        try:
            if self.engine.conversations is not None:
                await self.engine.conversations.flush()
            await self.stats.close()
        finally:
            await self.db.dispose()


async def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    migrate: bool = True,
) -> Services:
    """Build the core services (no platforms yet; see ``bots.server.build_platforms``).

    Raises:
        ConfigError: the profile or the database URL is wrong.
    """
    settings = settings or Settings()
    profile = load_profile(settings.profile_path)
    database = db or Database.from_url(settings.database_url)
    if migrate:
        try:
            await database.migrate()
        except OSError as exc:
            raise ConfigError(
                f"cannot reach the database at {settings.database_url}: {exc}; "
                "check HAISHIN_DATABASE_URL"
            ) from exc
    # On PostgreSQL, several hosts compare the times they stamp: the server's time counts.
    clock = clock or (
        DatabaseClock(database, SystemClock())
        if database.dialect == "postgresql"
        else SystemClock()
    )
    library = DatabaseLibrary(database, clock=clock, fresh_for=FRESH_FOR)
    conversations = DatabaseConversations(database, clock=clock, write_behind=WRITE_BEHIND)
    engine = CommandEngine(library, profile, clock, conversations)
    metrics = Metrics()
    stats = StatsRecorder(
        StatsRepository(database, clock=clock, zone=profile.timezone),
        clock=clock,
        zone=profile.timezone,
        keep_days=profile.stats_days,
        write_behind=STATS_WRITE_BEHIND,
        observer=StatsMetrics(metrics),
    )
    return Services(
        settings=settings,
        profile=profile,
        db=database,
        clock=clock,
        library=library,
        engine=engine,
        stats=stats,
        metrics=metrics,
    )
