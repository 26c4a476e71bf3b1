"""The LINE API over aiohttp: plain JSON in and out, no generated models.

Every call haishin makes (sends, replies, narrowcast progress, audience groups, insight,
friends, profiles, rich menus, the quota) is a path and a JSON document, so one session per
channel does them all: built on first use inside the running loop, closed at shutdown. Each
call carries the channel token, gives up after ``timeout`` seconds, and fails with
``LineApiError`` (status, LINE's body, its headers) for any answer outside 2xx, which
``bots.line.errors.translate`` turns into a typed ``DeliveryError``.

The LINE SDK's generated client was used here before: importing ``linebot.v3.messaging``
(~400 pydantic models), with the insight and audience clients, took about half of
``serve``'s start and ~36 MB of its memory, for requests that are a few lines of JSON.
``LINE_API_URL`` (``host``) replaces both api.line.me and api-data.line.me, as the SDK's
``Configuration(host=...)`` did.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from bots.line.errors import LineApiError

API = "https://api.line.me"
DATA_API = "https://api-data.line.me"  # content: rich menu images
DEFAULT_TIMEOUT = 10.0  # seconds; the SDK's own default was 300
USER_AGENT = "haishin (aiohttp)"

Params = Mapping[str, str | int | None]


@dataclass(frozen=True, slots=True)
class LineResponse:
    """A 2xx answer: status, headers (case-insensitive) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON (``{}`` when empty, as LINE answers most sends)."""
        return json.loads(self.body) if self.body.strip() else {}


class LineClient:
    """One channel's LINE API session.

    Args:
        access_token: the channel access token.
        host: another base URL for both API hosts (tests, proxies); None for LINE's own.
        timeout: seconds before a call is abandoned.
        connections: how many requests may be in flight at once.
    """

    def __init__(
        self,
        access_token: str,
        *,
        host: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connections: int = 64,
    ) -> None:
        self.access_token = access_token
        self.host = host.rstrip("/") if host else API
        self.data_host = host.rstrip("/") if host else DATA_API
        self.timeout = timeout
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            # trust_env=False: aiohttp would otherwise look for a proxy and read ~/.netrc in
            # a thread on every call; the proxy is looked up once per host (``_proxy``).
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections),
                headers={"Authorization": f"Bearer {self.access_token}", "User-Agent": USER_AGENT},
                trust_env=False,
            )
        return self._session

    def _proxy(self, base: str) -> str | None:
        if base not in self._proxies:
            self._proxies[base] = _proxy_for(base)
        return self._proxies[base]

    async def request(
        self,
        method: str,
        path: str,
        *,
        document: Any = None,
        data: bytes | None = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        content: bool = False,
    ) -> LineResponse:
        """Call the API; ``document`` is sent as JSON, ``data`` as it is.

        Args:
            method / path: ``POST`` and ``/v2/bot/message/push``, say.
            document: a JSON body.
            data: a ready body (with its ``Content-Type`` in ``headers``).
            params: the query; None values are left out.
            headers: more headers (``X-Line-Retry-Key``).
            content: call the content host (api-data.line.me) instead of api.line.me.

        Raises:
            LineApiError: LINE answered outside 2xx.
            aiohttp.ClientError, OSError, TimeoutError: no answer.
        """
        sent = dict(headers or {})
        if document is not None:
            data = dumps(document)
            sent.setdefault("Content-Type", "application/json")
        base = self.data_host if content else self.host
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        async with self._open().request(
            method,
            base + path,
            data=data,
            params=query or None,
            headers=sent,
            proxy=self._proxy(base),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        ) as response:
            body = await response.read()
            if not 200 <= response.status <= 299:
                raise LineApiError(response.status, response.reason or "", body, response.headers)
            return LineResponse(response.status, response.headers, body)

    async def get(self, path: str, **params: str | int | None) -> Any:
        """GET ``path`` and return its JSON."""
        return (await self.request("GET", path, params=params)).json()

    async def post(self, path: str, document: Any, *, retry_key: str | None = None) -> LineResponse:
        """POST a JSON document, with ``X-Line-Retry-Key`` when given."""
        headers = {"X-Line-Retry-Key": retry_key} if retry_key else None
        return await self.request("POST", path, document=document, headers=headers)

    async def post_json(self, path: str, body: bytes) -> LineResponse:
        """POST a ready JSON body: for hot paths whose bodies are drawn once and reused."""
        return await self.request(
            "POST", path, data=body, headers={"Content-Type": "application/json"}
        )

    async def close(self) -> None:
        """Close the HTTP session; the next use opens a new one."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def segment(value: str | int) -> str:
    """A path parameter, escaped (user ids, request ids, rich menu ids)."""
    return quote(str(value), safe="")


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON, as LINE counts sizes."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``, ``NO_PROXY``...)."""
    parts = urlsplit(url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)
