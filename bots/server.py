"""The ASGI application of ``haishin serve``: platform routes, health, metrics, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from bots import registry
from bots.bootstrap import Services, build_platforms
from bots.console.auth import ConsoleGuard, plain_refusal
from bots.feeds.status import feed_health
from bots.platform import Hook, Platform
from bots.redact import redact_text
from core.storage.database import Database

log = logging.getLogger("haishin.server")
PROBE_TIMEOUT = 3.0


async def database_health(db: Database) -> dict[str, Any]:
    """``database``: ``ok``, ``unreachable``, or what the service's writes found
    (``read-only``, ``failing``, ``missing``: see ``WriteHealth``); when not ok, a one-line
    ``database_problem`` and the failing ``database_writers``."""
    db.health.file_missing(db.file_problem())
    # A database that hangs (cut off, overloaded) must not hang the probe as well; nor may
    # the driver's clean-up of a cancelled query (it waits for the server to confirm).
    probe = asyncio.create_task(db.check(), name="healthz-probe")
    done, _ = await asyncio.wait({probe}, timeout=PROBE_TIMEOUT)
    if not done:
        probe.cancel()
        _ABANDONED.add(probe)
        probe.add_done_callback(_forget)
        problem = f"no answer from the database within {PROBE_TIMEOUT:.0f} s"
        return {"database": "unreachable", "database_problem": problem}
    try:
        probe.result()
    except Exception as exc:  # any failure here is what the probe must report
        problem = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        return {"database": "unreachable", "database_problem": problem}
    if db.health.state == "ok":
        return {"database": "ok"}
    return {
        "database": db.health.state,
        "database_problem": db.health.reason,
        "database_writers": db.health.failing(),
    }


_ABANDONED: set[asyncio.Task[None]] = set()


def _forget(probe: asyncio.Task[None]) -> None:
    """An abandoned probe ended: what it raised came too late for any answer (and would
    otherwise be logged as "never retrieved", with a traceback, at every outage)."""
    _ABANDONED.discard(probe)
    if not probe.cancelled():
        probe.exception()


def create_app(
    services: Services,
    *,
    platforms: dict[str, Platform] | None = None,
    startup: list[Hook] | None = None,
    shutdown: list[Hook] | None = None,
    status: Callable[[], dict[str, Any]] | None = None,
) -> Starlette:
    """Build the web app over ready services.

    Args:
        services: from ``bots.bootstrap.bootstrap``.
        platforms: the platforms to serve; None builds them from the settings.
        startup / shutdown: extra lifespan hooks (scheduler, delivery workers, watcher).
        status: more facts for every ``/healthz`` answer (``content``: the first scan of
            the content folder, which runs once the service listens, is ``ok`` or
            ``scanning``).
    """
    if platforms is None:
        platforms = build_platforms(services)

    async def healthz(request: Request) -> JSONResponse:
        health = await database_health(services.db)
        database = health["database"]
        body: dict[str, Any] = {
            "status": "ok" if database == "ok" else "degraded",
            "database": database,
            "platforms": {name: {"on": name in platforms} for name in registry.names()},
            **(status() if status is not None else {}),
        }
        # The rest only for whom the console would answer (the admin token, when set).
        if (await guard.check(request)).allowed:
            body["pid"] = os.getpid()
            body.update({k: v for k, v in health.items() if k != "database"})
            if "database_problem" in body:
                body["database_problem"] = redact_text(body["database_problem"])
            for name, platform in platforms.items():
                body["platforms"][name] = _shown(platform.status | {"on": True})
            body["feeds"] = await feed_health(services.db, services.profile)
        return JSONResponse(body, status_code=200 if database == "ok" else 503)

    async def metrics(request: Request) -> Response:
        access = await guard.check(request)
        if not access.allowed:
            return plain_refusal(access)
        return Response(services.metrics.render(), media_type=services.metrics.content_type)

    guard = ConsoleGuard(services.settings, services.clock, services.db)
    routes: list[BaseRoute] = [Route("/healthz", healthz), Route("/metrics", metrics)]
    for platform in platforms.values():
        routes.extend(platform.routes)

    def console() -> Router:
        from bots.console import console_routes

        return Router(console_routes(services, guard, on=tuple(platforms), platforms=platforms))

    routes.append(Mount("", app=BuiltOnFirstRequest(console)))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        hooks = [hook for p in platforms.values() for hook in p.on_startup] + (startup or [])
        for hook in hooks:
            await hook()
        # What start-up built (modules, the profile, SDK models, caches) lives as long as
        # the process: out of the collector's way, so its full passes under load stay short.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            closing = (shutdown or [])[::-1] + [
                hook for p in reversed(platforms.values()) for hook in reversed(p.on_shutdown)
            ]
            for hook in closing:
                try:
                    await hook()
                except Exception:
                    log.exception("error while shutting down")

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.platforms = platforms  # what is on, for whoever holds the app (tests)
    return app


class BuiltOnFirstRequest:
    """An ASGI app built when the first request reaches it.

    The console (Jinja2, its pages, forms and chat: about 4 MB resident) loads when someone
    opens it, not in every ``serve`` that only answers the bots.
    """

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = self._build()
        await self._app(scope, receive, send)


def _shown(facts: dict[str, Any]) -> dict[str, Any]:
    """A platform's facts with any URL in them stripped of credentials and query."""
    return {
        key: redact_text(value) if isinstance(value, str) else value for key, value in facts.items()
    }
