"""A real HTTP server on loopback that plays a newsletter's site: feeds, pages, and failures.

It runs in a thread with its own event loop (so synchronous CLI tests can use it too) and
serves whatever a test puts at a path:

- ``document``: bytes with an ``ETag`` and ``Last-Modified``, answering a matching
  conditional GET with 304;
- ``hang``: never answers (until the server stops) — a feed that times out;
- ``status``: an error status with an optional ``Retry-After``;
- ``redirect``: a redirect to any URL;
- ``flood``: endless bytes in chunks, counting how many went out before the client hung up
  (optionally declaring a ``Content-Length`` first).

Every request's path and headers are recorded.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from tests.fakes.server import LoopbackServer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LAST_MODIFIED = "Sat, 04 Oct 2025 00:00:00 GMT"


@dataclass
class Flood:
    """What a flooding handler sent."""

    sent: int = 0
    finished: bool = False


class FeedSite(LoopbackServer):
    """The running server (see the module docstring)."""

    thread_name = "feed-site"
    shutdown_timeout = 0.1

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.floods: dict[str, Flood] = {}
        self._release: asyncio.Event | None = None

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[dict[str, str]]:
        """The headers of every request made for ``path``."""
        return [headers for requested, headers in self.requests if requested == path]

    def document(
        self, path: str, body: bytes | str, content_type: str = "application/rss+xml"
    ) -> str:
        data = body.encode() if isinstance(body, str) else body
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'

        async def handler(request: web.Request) -> web.StreamResponse:
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED, "Content-Type": content_type}
            return web.Response(body=data, headers=headers)

        self.routes[path] = handler
        return self.url(path)

    def page(self, path: str, html: str, charset: str = "utf-8") -> str:
        return self.document(path, html.encode(charset), f"text/html; charset={charset}")

    def hang(self, path: str) -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            assert self._release is not None
            await self._release.wait()
            return web.Response(text="too late")

        self.routes[path] = handler
        return self.url(path)

    def status(self, path: str, code: int, retry_after: str | None = None) -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            headers = {"Retry-After": retry_after} if retry_after else {}
            return web.Response(status=code, text=f"error {code}", headers=headers)

        self.routes[path] = handler
        return self.url(path)

    def redirect(self, path: str, location: str, code: int = 302) -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=code, headers={"Location": location})

        self.routes[path] = handler
        return self.url(path)

    def flood(self, path: str, total: int, *, declare: bool = False) -> str:
        record = self.floods[path] = Flood()
        chunk = (b"<item><title>x</title></item>" * 2260)[:65536]

        async def handler(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            if declare:
                response.content_length = total
            await response.prepare(request)
            try:
                await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
                while record.sent < total:
                    await response.write(chunk)
                    record.sent += len(chunk)
                record.finished = True
            except (ConnectionError, RuntimeError):
                pass  # the client hung up
            return response

        self.routes[path] = handler
        return self.url(path)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers)))
        handler = self.routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not here")
        return await handler(request)

    def application(self) -> web.Application:
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    async def stopping(self) -> None:
        if self._release is not None:
            self._release.set()  # the hanging handlers answer, too late
