"""``haishin serve``: the whole service in one process."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer
import uvicorn

from bots.bootstrap import bootstrap
from bots.cli.common import fail
from bots.console import require_token_for
from bots.feeds.poller import FeedPoller
from bots.logs import configure_logging
from bots.platform import Hook
from bots.server import create_app
from bots.settings import Settings
from core.errors import ConfigError
from core.ingest import default_issue_paths, ingest_paths

log = logging.getLogger("haishin")


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the CLI."""
    app.command()(serve)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Run the service: web endpoints, console, scheduler, delivery workers."""
    settings = Settings()
    try:
        require_token_for(host, settings)
    except ConfigError as exc:
        fail(str(exc))
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(_serve(settings, host, port))


async def _serve(settings: Settings, host: str, port: int) -> None:
    services = await bootstrap(settings)
    try:
        report = await ingest_paths(
            default_issue_paths(settings.content_dir),
            profile=services.profile,
            db=services.db,
            content_dir=settings.content_dir,
            clock=services.clock,
        )
        log.info("content: %s", report.summary())
        feeds = FeedPoller.build(db=services.db, profile=services.profile, clock=services.clock)
        startup: list[Hook] = [feeds.start] if feeds else []
        shutdown: list[Hook] = [feeds.stop] if feeds else []
        app = create_app(services, startup=startup, shutdown=shutdown)
        config = uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="on")
        log.info("haishin serving on http://%s:%d/", host, port)
        await uvicorn.Server(config).serve()
    finally:
        await services.close()
