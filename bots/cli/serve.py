"""``haishin serve``: the whole service in one process.

At start: migrations (one query when there are none to run; an upgrade runs in a forked
child, so Alembic never stays in the service); then the web app (Slack and
LINE routes, ``/healthz``, ``/metrics``) comes up with the background components: the content
watcher, the delivery workers, and the scheduler (leader or standby; see ``scheduler``). The
watcher ingests the content folder once the service listens (``/healthz`` says ``content``:
``scanning``, then ``ok``). Only what this start needs is imported: a platform's SDK when it
is on, the parsers when a file is parsed.
SIGTERM (or Ctrl-C) stops the watcher and the scheduler, lets sends under way finish for up
to ``bots.runtime.service.SHUTDOWN_GRACE`` seconds and hands the rest back to the ledger,
then exits 0; during start-up it stops the start where it is, also with status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from bots.cli.failures import print_failure as fail
from core.errors import ConfigError

if TYPE_CHECKING:
    from bots.settings import Settings

log = logging.getLogger("haishin")


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the CLI."""
    app.command()(serve)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    log_format: Annotated[
        str | None,
        typer.Option(help="plain or json (default: HAISHIN_LOG_FORMAT, else plain)"),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="serving processes (one runs the scheduler)")
    ] = 1,
) -> None:
    """Run the service: web endpoints, console, scheduler, delivery workers."""
    from bots.cli.processes import run_workers
    from bots.console import require_token_for
    from bots.console.hosts import public_host
    from bots.logs import configure_logging
    from bots.settings import Settings

    settings = Settings()
    try:
        require_token_for(host, settings)  # the console must not be open to the network
    except ConfigError as exc:
        fail(str(exc))
    fmt = log_format or settings.log_format
    if fmt not in ("plain", "json"):
        raise typer.BadParameter("use plain or json", param_hint="--log-format")
    configure_logging(
        _format(fmt),
        settings.log_level,
        secrets=(
            settings.slack_bot_token,
            settings.slack_client_secret,
            settings.slack_signing_secret,
            settings.line_channel_access_token,
            settings.line_channel_secret,
            settings.admin_token,
            *(settings.token_key or "").replace(",", " ").split(),
        ),
    )
    if settings.log_level.upper() != "DEBUG":
        for chatty in ("uvicorn.access", "alembic"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    if settings.public_url and not settings.admin_token:
        log.warning(
            "HAISHIN_PUBLIC_URL is set and HAISHIN_ADMIN_TOKEN is not: the console answers "
            "requests naming %s. If a proxy forwards requests from other machines, set "
            "HAISHIN_ADMIN_TOKEN",
            public_host(settings),
        )
    if workers > 1:
        raise typer.Exit(run_workers(settings, host, port, workers, log_format))
    # uvicorn re-raises the SIGTERM it caught once it has shut down; with Python's default
    # handler that would kill the process before the clean-up below. Ours ignores it.
    signal.signal(signal.SIGTERM, _ignore)
    with contextlib.suppress(KeyboardInterrupt):
        try:
            asyncio.run(_serve(settings, host, port))
        except ConfigError as exc:
            fail(str(exc))
        except asyncio.CancelledError:
            log.info("haishin stopped before it served (SIGTERM during start-up)")


def _ignore(*_: object) -> None:
    """SIGTERM while uvicorn doesn't own it: see ``serve`` and ``_serve``."""


def _stop_start_up_on_sigterm(loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> None:
    """Until uvicorn takes SIGTERM over, a SIGTERM cancels the start-up where it is (a
    database that doesn't answer, a migration, building the platforms): a supervisor's stop
    is never lost, and what was opened is closed on the way out."""
    loop.add_signal_handler(signal.SIGTERM, task.cancel)


def _hand_sigterm_to_uvicorn(loop: asyncio.AbstractEventLoop) -> None:
    loop.remove_signal_handler(signal.SIGTERM)  # this leaves SIG_DFL behind
    signal.signal(signal.SIGTERM, _ignore)


def _announcing_server(config: Any, announce: Callable[[int], None]) -> Any:
    """uvicorn's server, saying "serving on" only once its sockets listen (the start-up
    work, ingesting the content folder included, comes before)."""
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and not self.should_exit:
                listening = [s for server in self.servers for s in (server.sockets or ())]
                bound = listening[0].getsockname()[1] if listening else self.config.port
                announce(int(bound))

    return AnnouncingServer(config)


def _format(value: str) -> Literal["plain", "json"]:
    return "json" if value == "json" else "plain"


async def _serve(settings: Settings, host: str, port: int) -> None:
    """Run until SIGTERM."""
    import uvicorn

    from bots.bootstrap import bootstrap, build_delivery, build_platforms
    from bots.cli.processes import inherited_sockets, watches_content
    from bots.runtime.service import DeliveryRuntime
    from bots.server import create_app
    from core.delivery import WorkerSettings

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    _stop_start_up_on_sigterm(loop, task)
    try:
        services = await bootstrap(settings, long_lived=True)
    except BaseException:
        _hand_sigterm_to_uvicorn(loop)
        raise
    try:
        platforms = build_platforms(services)
        for platform in platforms.values():
            for prepare in platform.prepare:
                await prepare()
        runtime = DeliveryRuntime(
            services,
            build_delivery(services, platforms, settings=WorkerSettings()),
            watch=watches_content(),
        )
        app = create_app(
            services,
            platforms=platforms,
            startup=[runtime.start],
            shutdown=[runtime.stop],
            status=runtime.status,
        )
        # ws="none": nothing here speaks WebSocket, and uvicorn's default loads a
        # WebSocket implementation at start all the same.
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            lifespan="on",
            access_log=True,
            ws="none",
        )
        database = services.db.url.render_as_string(hide_password=True)
        on = ", ".join(sorted(platforms)) or "none; see the lines above to turn them on"
        server = _announcing_server(
            config,
            lambda bound: log.info(
                "haishin serving on http://%s:%d/ (database %s, platforms: %s)",
                host,
                bound,
                database,
                on,
            ),
        )
        # No await between this and uvicorn's own handlers: a SIGTERM can't fall between.
        _hand_sigterm_to_uvicorn(loop)
        await server.serve(sockets=inherited_sockets())  # a --workers child's socket
        if not server.started:
            raise SystemExit(1)
    finally:
        if loop.remove_signal_handler(signal.SIGTERM):  # start-up failed or was stopped
            signal.signal(signal.SIGTERM, _ignore)
        await services.close()
        log.info("haishin stopped")
