"""The console's shared machinery: access checks, page rendering, security headers, routes.

``console_routes(services)`` is what ``bots.server.create_app`` mounts at ``/``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bots.bootstrap import Services
from bots.console.auth import CSRF_FIELD, ConsoleGuard
from bots.console.issue_view import PLATFORMS
from bots.console.templating import STATIC, Templates
from bots.rendering import Renderer, renderer_for
from core.storage.issues import IssueRepository
from core.storage.subscriptions import SubscriptionRepository

Endpoint = Callable[[Request], Awaitable[Response]]
log = logging.getLogger("haishin.console")
MAX_FORM_PART = 2_000_000  # bytes of one form field (a pasted issue)

# Pages only load what the console serves itself; inline style attributes carry the few
# computed values (bar widths, Flex colours, indentation).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class Console:
    """What every console page shares.

    Args:
        services: the running service's core.
        secret: the signing key for CSRF tokens when no admin token is set (tests).
    """

    def __init__(self, services: Services, *, secret: bytes | None = None) -> None:
        self.services = services
        self.profile = services.profile
        self.guard = ConsoleGuard(services.settings, services.clock, secret=secret)
        self.templates = Templates(services.profile.timezone)
        self.renderers: dict[str, Renderer] = {
            name: renderer_for(name, services.profile) for name in PLATFORMS
        }
        self.issues = IssueRepository(services.db, clock=services.clock)
        self.subscriptions = SubscriptionRepository(services.db, clock=services.clock)

    def fresh_renderers(self) -> dict[str, Renderer]:
        """Renderers of this call's own, for work done in a thread: the shared ones keep
        caches that are not safe to use from two threads at once."""
        return {name: renderer_for(name, self.profile) for name in PLATFORMS}

    def page(
        self, request: Request, template: str, /, *, status: int = 200, **context: Any
    ) -> HTMLResponse:
        """A whole page, with this browser's CSRF token in its forms."""
        token, fresh = self.guard.csrf(request)
        html = self.templates.render(template, **{**self.base_context(token), **context})
        response = HTMLResponse(html, status_code=status)
        if fresh is not None:
            self.guard.set_csrf_cookie(response, fresh, request)
        return response

    def fragment(self, template: str, /, **context: Any) -> HTMLResponse:
        """Part of a page (the chat's new turn), for the page's script to insert."""
        html = self.templates.render(template, **{**self.base_context(""), **context})
        return HTMLResponse(html)

    def base_context(self, csrf: str) -> dict[str, Any]:
        """What the base template needs on every page."""
        on = self.services.platforms
        return {
            "csrf": csrf,
            "newsletter": self.profile.name,
            "language": self.profile.language,
            "platforms": [(name, name in on) for name in PLATFORMS],
            "any_platform": any(name in on for name in PLATFORMS),
            "login_required": self.guard.login_required,
            "post_time": self.templates.clock_time(self.services.clock.now()),
        }

    def message(self, request: Request, status: int, heading: str, text: str) -> HTMLResponse:
        """A page that only says something (not found, refused)."""
        return self.page(request, "message.html", status=status, heading=heading, text=text)

    def guarded(self, endpoint: Endpoint, *, form: bool = False) -> Endpoint:
        """The endpoint behind the access check (and, for forms, the CSRF check)."""

        async def run(request: Request) -> Response:
            access = self.guard.check(request)
            if not access.allowed:
                response = self._refuse(request, access.reason, login=access.login)
            elif form and not await self._csrf_ok(request):
                response = self.message(
                    request,
                    403,
                    "Form expired",
                    "This form was not sent from a current console page (its security "
                    "token is missing or old). Go back, reload the page and try again.",
                )
            else:
                try:
                    response = await endpoint(request)
                except Exception:
                    log.exception("console: %s %s failed", request.method, request.url.path)
                    response = self.message(
                        request,
                        500,
                        "Something went wrong",
                        "This page could not be drawn; the server log has the details.",
                    )
            response.headers.update(SECURITY_HEADERS)
            return response

        return run

    async def _csrf_ok(self, request: Request) -> bool:
        # The first read of the form decides its limits (the preview form carries a file).
        form = await request.form(max_part_size=MAX_FORM_PART)
        submitted = form.get(CSRF_FIELD, "")
        return self.guard.csrf_ok(request, submitted if isinstance(submitted, str) else "")

    def _refuse(self, request: Request, reason: str, *, login: bool) -> Response:
        wants_html = "text/html" in request.headers.get("accept", "")
        if login and wants_html and request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        if login:
            return PlainTextResponse(
                f"{reason}\n", status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        if wants_html:
            return self.message(request, 403, "Not from here", reason)
        return PlainTextResponse(f"{reason}\n", status_code=403)


def console_routes(services: Services, *, secret: bytes | None = None) -> list[BaseRoute]:
    """The console's routes (``/``, ``/issues/N``, ``/try``, ``/deliveries``, ``/preview``...).

    Args:
        services: from ``bots.bootstrap.bootstrap``.
        secret: CSRF signing key when no admin token is set; random by default.
    """
    from bots.console import forms, pages, preview

    console = Console(services, secret=secret)
    guarded = console.guarded

    def bind(handler: Callable[[Console, Request], Awaitable[Response]]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            return await handler(console, request)

        return endpoint

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
        Route("/preview", guarded(bind(forms.preview), form=True), methods=["POST"]),
        Route("/login", bind(forms.login_page)),
        Route("/login", bind(forms.login), methods=["POST"]),
        Route("/logout", guarded(bind(forms.logout), form=True), methods=["POST"]),
        Mount("/static/console", StaticFiles(directory=STATIC), name="console-static"),
    ]
