"""The console's shared machinery: access checks, page rendering, security headers.

The pages, forms and routes build on ``Console``; ``bots.console.routes`` lists the routes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bots import registry
from bots.bootstrap import Services
from bots.console.auth import CSRF_FIELD, Access, ConsoleGuard, plain_refusal
from bots.console.templating import Templates
from bots.inbound import BodyTooLarge, read_body, replay
from bots.platform import Platform
from bots.rendering import Renderer
from core.storage.issues import IssueRepository
from core.storage.subscriptions import SubscriptionRepository

Endpoint = Callable[[Request], Awaitable[Response]]
Refused = Callable[[Request, int, str], Response]
log = logging.getLogger("haishin.console")
MAX_FORM_PART = 2_000_000  # bytes of one form field (a pasted issue)
# A whole form: an uploaded file and a pasted text of MAX_FORM_PART each, and the rest.
MAX_FORM_BODY = 2 * MAX_FORM_PART + 64 * 1024
TOO_LARGE = (
    f"The form is larger than the console reads: a file or a pasted text may be up to "
    f"{MAX_FORM_PART:,} bytes. Shorten it, or preview the file with `haishin preview FILE`."
)

# Pages only load what the console serves itself; inline style attributes carry the few
# computed values (bar widths, Flex colours, indentation).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
_REFUSAL_HEADINGS = {401: "Sign in", 429: "Too many tries", 503: "Try again shortly"}
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
        guard: the access, session and CSRF checks.
        on: the platforms switched on in this process.
        platforms: those platforms, for what a page asks of them (the plan for "everyone").
    """

    def __init__(
        self,
        services: Services,
        guard: ConsoleGuard,
        on: Collection[str] = (),
        platforms: Mapping[str, Platform] | None = None,
    ) -> None:
        self.services = services
        self.on = frozenset(on)
        self.platforms = dict(platforms or {})
        self.profile = services.profile
        self.guard = guard
        self.templates = Templates(services.profile.timezone)
        self.issues = IssueRepository(services.db, clock=services.clock)
        self.subscriptions = SubscriptionRepository(services.db, clock=services.clock)

    @functools.cached_property
    def renderers(self) -> dict[str, Renderer]:
        """The shared renderers, drawn up for the first page that needs one (so the
        platforms' SDKs load then, not while the service starts)."""
        return self.fresh_renderers()

    def fresh_renderers(self) -> dict[str, Renderer]:
        """Renderers of this call's own, for work done in a thread: the shared ones keep
        caches that are not safe to use from two threads at once."""
        return {p.name: p.renderer(self.profile) for p in registry.platforms()}

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
        on = self.on
        return {
            "csrf": csrf,
            "newsletter": self.profile.name,
            "language": self.profile.language,
            "platforms": [(name, name in on) for name in registry.names()],
            "platform_titles": {p.name: p.title for p in registry.platforms()},
            "switched_on_by": {p.name: p.switched_on_by for p in registry.platforms()},
            "any_platform": any(name in on for name in registry.names()),
            "login_required": self.guard.login_required,
            "post_time": self.templates.clock_time(self.services.clock.now()),
        }

    def message(self, request: Request, status: int, heading: str, text: str) -> HTMLResponse:
        """A page that only says something (not found, refused)."""
        return self.page(request, "message.html", status=status, heading=heading, text=text)

    def guarded(
        self, endpoint: Endpoint, *, form: bool = False, refused: Refused | None = None
    ) -> Endpoint:
        """The endpoint behind the access check (and, for forms, the size and CSRF checks).

        Args:
            refused: draws the page for a form too large to read (default: a message page).
        """

        async def run(request: Request) -> Response:
            response = await self._answer(request, endpoint, form=form, refused=refused)
            response.headers.update(SECURITY_HEADERS)
            return response

        return run

    async def _answer(
        self, request: Request, endpoint: Endpoint, *, form: bool, refused: Refused | None
    ) -> Response:
        access = await self.guard.check(request)
        if not access.allowed:
            return self.refuse(request, access)
        if form:
            read = await self._read_form(request)
            if isinstance(read, tuple):
                return (refused or self._form_refused)(request, *read)
            request = read
            if not await self._csrf_ok(request):
                return self.message(
                    request,
                    403,
                    "Form expired",
                    "This form was not sent from a current console page (its security "
                    "token is missing or old). Go back, reload the page and try again.",
                )
        try:
            return await endpoint(request)
        except Exception:
            log.exception("console: %s %s failed", request.method, request.url.path)
            return self.message(
                request,
                500,
                "Something went wrong",
                "This page could not be drawn; the server log has the details.",
            )

    async def _read_form(self, request: Request) -> Request | tuple[int, str]:
        """The request with its form read and parsed within the console's limits (endpoints
        get it from ``request.form()``), or the status and text of why it can't be."""
        try:
            request = replay(request, await read_body(request, MAX_FORM_BODY))
            await request.form(max_part_size=MAX_FORM_PART)
        except BodyTooLarge:
            return 413, TOO_LARGE
        except HTTPException as exc:  # the parser's refusal: a part too big, or malformed
            if "maximum size" in str(exc.detail):
                return 413, TOO_LARGE
            return 400, f"The form could not be read ({exc.detail})."
        return request

    def _form_refused(self, request: Request, status: int, text: str) -> Response:
        return self.message(request, status, "Form not accepted", text)

    async def _csrf_ok(self, request: Request) -> bool:
        form = await request.form()
        submitted = form.get(CSRF_FIELD, "")
        return self.guard.csrf_ok(request, submitted if isinstance(submitted, str) else "")

    def refuse(self, request: Request, access: Access) -> Response:
        """The answer to a request the guard refused: the sign-in page for a browser that
        can sign in, a message page for a browser, plain text otherwise."""
        if "text/html" not in request.headers.get("accept", ""):
            return plain_refusal(access)
        if access.login and request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        heading = _REFUSAL_HEADINGS.get(access.status, "Not from here")
        response = self.message(request, access.status, heading, access.reason)
        if access.retry_after:
            response.headers["Retry-After"] = str(access.retry_after)
        return response
