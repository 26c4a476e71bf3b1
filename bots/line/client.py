"""The LINE SDK's async clients, and how their failures become ``DeliveryError``s.

``AsyncApiClient`` owns an aiohttp session, which must be created inside the running loop, so
``LineClient`` builds it on first use and closes it at shutdown. ``Configuration(host=...)``
(``LINE_API_URL``) replaces both api.line.me and api-data.line.me.
"""

from __future__ import annotations

import asyncio
import json
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

from core.errors import DeliveryError
from core.retryafter import retry_after as parse_retry_after

DEFAULT_TIMEOUT = 10.0  # seconds; the SDK's own default is 300
MONTHLY_LIMIT = "monthly limit"


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


def error_message(exc: ApiException) -> str:
    """LINE's own words from an error response (``message`` and any ``details``)."""
    body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else exc.body
    try:
        document = json.loads(body or "{}")
    except ValueError:
        return (body or exc.reason or "").strip()[:300]
    if not isinstance(document, dict):
        return str(document)[:300]
    message = str(document.get("message") or exc.reason or "")
    details = document.get("details") or []
    extra = "; ".join(
        f"{d.get('property', '')}: {d.get('message', '')}" for d in details if isinstance(d, dict)
    )
    return f"{message} ({extra})" if extra else message


def retry_after(exc: ApiException) -> float | None:
    """Seconds from a ``Retry-After`` header, when LINE sent one."""
    return parse_retry_after(exc.headers)


def translate(exc: BaseException, what: str, *, backoff: float | None = None) -> DeliveryError:
    """A ``DeliveryError`` for a failed call; ``what`` names the call for the operator.

    429 (rate limit) and 5xx, timeouts and dropped connections are retryable; a 429 for the
    monthly limit and other 4xx are permanent (resending the same request can't succeed).
    """
    if isinstance(exc, ApiException):
        status = int(exc.status or 0)
        said = error_message(exc)
        text = f"LINE {what} failed: HTTP {status} {said}".strip()
        if status == 429 and MONTHLY_LIMIT in said.lower():
            return DeliveryError(
                text + "; the channel's monthly message quota is used up",
                platform="line",
                retryable=False,
                code="quota_exceeded",
            )
        if status == 429:
            wait = retry_after(exc)
            return DeliveryError(
                text, platform="line", retryable=True, retry_after=wait or backoff, code="429"
            )
        if status >= 500:
            return DeliveryError(
                text,
                platform="line",
                retryable=True,
                retry_after=retry_after(exc),
                code=str(status),
            )
        return DeliveryError(text, platform="line", retryable=False, code=str(status))
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return DeliveryError(
            f"LINE {what} timed out", platform="line", retryable=True, code="timeout"
        )
    if isinstance(exc, aiohttp.ClientError | OSError):
        return DeliveryError(
            f"LINE {what} failed: {type(exc).__name__}: {exc}",
            platform="line",
            retryable=True,
            code="network",
        )
    return DeliveryError(
        f"LINE {what} failed: {type(exc).__name__}: {exc}",
        platform="line",
        retryable=False,
        code="error",
    )
