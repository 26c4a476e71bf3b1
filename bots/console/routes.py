"""The console's routes: what ``bots.server.create_app`` mounts at ``/``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bots.bootstrap import Services
from bots.console import forms, pages, preview, stats
from bots.console.app import Console, Endpoint, Refused
from bots.console.auth import ConsoleGuard
from bots.console.templating import STATIC
from bots.platform import Platform


def console_routes(
    services: Services,
    guard: ConsoleGuard,
    *,
    on: Collection[str] = (),
    platforms: Mapping[str, Platform] | None = None,
) -> list[BaseRoute]:
    """The console's routes (``/``, ``/issues/N``, ``/try``, ``/deliveries``, ``/preview``...).

    Args:
        services: from ``bots.bootstrap.bootstrap``.
        guard: the access checks (shared with ``/healthz`` and ``/metrics``).
        on: the platforms switched on in this process.
        platforms: those platforms (the Deliveries page shows each one's plan for "everyone").
    """
    console = Console(services, guard, on, platforms)
    guarded = console.guarded

    def bind(handler: Callable[[Console, Request], Awaitable[Response]]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            return await handler(console, request)

        return endpoint

    def bind_refused(
        handler: Callable[[Console, Request, int, str], Response],
    ) -> Refused:
        return lambda request, status, text: handler(console, request, status, text)

    return [
        Route("/", guarded(bind(pages.issues)), name="console"),
        Route("/issues/{number:int}", guarded(bind(pages.issue))),
        Route(
            "/issues/{number:int}/publish",
            guarded(bind(forms.publish), form=True),
            methods=["POST"],
        ),
        Route(
            "/issues/{number:int}/unschedule",
            guarded(bind(forms.unschedule), form=True),
            methods=["POST"],
        ),
        Route(
            "/issues/{number:int}/reschedule",
            guarded(bind(forms.reschedule), form=True),
            methods=["POST"],
        ),
        Route("/try", guarded(bind(pages.chat))),
        Route("/try", guarded(bind(forms.chat), form=True), methods=["POST"]),
        Route("/deliveries", guarded(bind(pages.deliveries))),
        Route(
            "/deliveries/subscriptions/{id:int}/{action:str}",
            guarded(bind(forms.subscription), form=True),
            methods=["POST"],
        ),
        Route("/preview", guarded(bind(preview.preview_page))),
        Route("/stats", guarded(bind(stats.stats_page))),
        Route("/stats/{number:int}", guarded(bind(stats.stats_page))),
        Route(
            "/preview",
            guarded(bind(forms.preview), form=True, refused=bind_refused(forms.preview_refused)),
            methods=["POST"],
        ),
        Route("/login", bind(forms.login_page)),
        Route("/login", bind(forms.login), methods=["POST"]),
        Route("/logout", guarded(bind(forms.logout), form=True), methods=["POST"]),
        Mount("/static/console", StaticFiles(directory=STATIC), name="console-static"),
    ]
