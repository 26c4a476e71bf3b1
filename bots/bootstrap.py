"""The composition root: build every service once, from settings, with fakes where given.

``bootstrap`` builds the core services, ``build_platforms`` the platforms the registry lists
and the settings switch on, ``build_delivery`` the delivery over them; ``haishin serve``,
the CLI and the tests call these and inject what they built, nothing builds its own.
Production passes nothing but settings; tests pass a clock, a database or publishers.
Importing this module has no side effects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from bots import registry
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

# Delivery is built by `serve` and the sending commands only: `ask`, `issues` and the
# other commands that just read don't import it (see build_delivery).
if TYPE_CHECKING:
    from core.delivery import DeliveryWorker, Fanout, Publishing, WorkerSettings

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
    long_lived: bool = False,
) -> Services:
    """Build the core services (no platforms yet; see ``build_platforms``).

    Args:
        long_lived: for ``haishin serve``: a schema upgrade runs in a forked child process.

    Raises:
        ConfigError: the profile or the database URL is wrong.
    """
    settings = settings or Settings()
    profile = load_profile(settings.profile_path)
    database = db or Database.from_url(settings.database_url)
    if migrate:
        try:
            # A service upgrades in a child process: Alembic never stays resident in it.
            await database.migrate(apart=long_lived)
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
        health=database.health,
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


def build_platforms(services: Services) -> dict[str, Platform]:
    """Switch on every registered platform whose settings are present (each logs how, when
    off)."""
    platforms = {}
    for contract in registry.platforms():
        platform = contract.build(services)
        if platform is not None:
            platforms[platform.name] = platform
    return platforms


@dataclass
class DeliveryKit:
    """Everything delivery needs, built once per process."""

    fanout: Fanout
    publishing: Publishing
    worker: DeliveryWorker


def build_fanout(services: Services, platforms: dict[str, Platform]) -> Fanout:
    """The fan-out over the platforms given: their publishers, planners and reviews."""
    from core.delivery import Fanout
    from core.delivery.fanout import AudiencePlanner, PlanReview
    from core.ports import Publisher

    publishers: dict[str, Publisher] = {
        name: platform.publisher
        for name, platform in platforms.items()
        if platform.publisher is not None
    }
    planners: dict[str, AudiencePlanner] = {
        name: platform.planner
        for name, platform in platforms.items()
        if platform.planner is not None
    }
    reviews: dict[str, PlanReview] = {
        name: platform.review for name, platform in platforms.items() if platform.review is not None
    }
    return Fanout(services.profile.name, publishers, planners, reviews)


def build_delivery(
    services: Services,
    platforms: dict[str, Platform],
    *,
    settings: WorkerSettings | None = None,
) -> DeliveryKit:
    """Delivery over the platforms that are on (a platform that is off is simply absent:
    its rows wait until a process with it on picks them up)."""
    from bots.delivery_metrics import MetricsObserver
    from core.delivery import DeliveryWorker, Publishing, WorkerSettings
    from core.delivery.stores import DeliveryStores

    fanout = build_fanout(services, platforms)
    publishing = Publishing(
        services.db,
        fanout,
        clock=services.clock,
        catch_up=timedelta(days=services.settings.catch_up_days),
        catch_up_setting="HAISHIN_CATCH_UP_DAYS",
    )
    worker_settings = settings or WorkerSettings()
    stores = DeliveryStores.over(
        services.db, clock=services.clock, worker_timeout=worker_settings.worker_timeout
    )
    worker = DeliveryWorker(
        stores,
        fanout,
        clock=services.clock,
        observer=MetricsObserver(
            services.metrics,
            timed_elsewhere=[name for name, p in platforms.items() if p.times_own_sends],
        ),
        settings=worker_settings,
    )
    publishing.on_rows = worker.wake
    return DeliveryKit(fanout, publishing, worker)
