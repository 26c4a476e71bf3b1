"""The LINE SDK's async clients.

``AsyncApiClient`` owns an aiohttp session, which must be created inside the running loop, so
``LineClient`` builds it on first use and closes it at shutdown. ``Configuration(host=...)``
(``LINE_API_URL``) replaces both api.line.me and api-data.line.me.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import aiohttp
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
)
from linebot.v3.messaging.async_rest import RESTResponse

DEFAULT_TIMEOUT = 10.0  # seconds; the SDK's own default is 300


class LineClient:
    """Lazily built SDK clients for one channel.

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
        self.configuration = Configuration(
            access_token=access_token, host=host.rstrip("/") if host else None
        )
        self.configuration.connection_pool_maxsize = connections
        self.timeout = timeout
        self._client: AsyncApiClient | None = None
        self._messaging: AsyncMessagingApi | None = None
        self._blob: AsyncMessagingApiBlob | None = None

    def _open(self) -> AsyncApiClient:
        if self._client is None:
            if self.configuration.proxy is None:
                self.configuration.proxy = _proxy_for(self.configuration.host)
            self._client = AsyncApiClient(self.configuration)
            # The SDK's session trusts the environment, which makes aiohttp look for a
            # proxy and read ~/.netrc in a thread on every call; the proxy was looked up
            # once, above.
            session = self._client.rest_client.pool_manager
            if hasattr(session, "_trust_env"):
                session._trust_env = False
        return self._client

    @property
    def messaging(self) -> AsyncMessagingApi:
        """The Messaging API (api.line.me); call from inside the event loop."""
        if self._messaging is None:
            self._messaging = AsyncMessagingApi(self._open())
        return self._messaging

    @property
    def blob(self) -> AsyncMessagingApiBlob:
        """The content API (api-data.line.me: rich menu images)."""
        if self._blob is None:
            self._blob = AsyncMessagingApiBlob(self._open())
        return self._blob

    async def post_json(self, path: str, body: bytes) -> None:
        """POST a ready JSON body to the Messaging API (``/v2/bot/message/reply``), through
        the SDK's session and headers, failing with the SDK's ``ApiException`` as its own
        calls do. For hot paths whose bodies are drawn once and reused: no SDK models."""
        client = self._open()
        headers = {**client.default_headers, "Content-Type": "application/json"}
        async with client.rest_client.pool_manager.post(
            f"{self.configuration.host}{path}",
            data=body,
            headers=headers,
            proxy=self.configuration.proxy,
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        ) as response:
            data = await response.read()
            if not 200 <= response.status <= 299:
                raise ApiException(http_resp=RESTResponse(response, data))

    @property
    def open(self) -> bool:
        """True once a session exists (for /healthz)."""
        return self._client is not None

    async def close(self) -> None:
        """Close the HTTP session; the next use opens a new one."""
        client, self._client, self._messaging, self._blob = self._client, None, None, None
        if client is not None:
            await client.close()


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``, ``NO_PROXY``...)."""
    parts = urlsplit(url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)
