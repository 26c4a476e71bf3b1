"""The HTTP side of feeds: httpx, behind the SSRF guard, with every limit a fetch needs.

- Conditional GET: ``If-None-Match``/``If-Modified-Since`` from the last full read; a 304
  means nothing to do.
- One deadline (``feed.timeout``) for the whole fetch, redirects and slow trickles included;
  httpx's own timeouts only bound each read.
- A size cap (``feed.max_size``): a declared ``Content-Length`` over it is refused before the
  body is read, and a body that grows past it is cut off there (counted after decompression,
  so a gzip bomb stops too).
- Redirects followed by hand, at most five, each target checked like the first URL.
- Errors become ``FetchError`` with whether trying later may help (timeouts, 408, 425, 429,
  5xx) and the server's ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import codecs
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx
from selectolax.lexbor import LexborHTMLParser

from bots.feeds.guard import (
    AddressPolicy,
    AddressRefused,
    GuardedTransport,
    Resolver,
    refusal,
    system_resolver,
)
from core.feeds.config import FeedConfig
from core.feeds.ports import FetchedFeed, FetchError, WebSource
from core.retryafter import retry_after_seconds

MAX_REDIRECTS = 5
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_RETRYABLE = frozenset((408, 425, 429, 500, 502, 503, 504))
_REDIRECTS = frozenset((301, 302, 303, 307, 308))


@dataclass(frozen=True, slots=True)
class _Response:
    url: str
    status: int
    headers: httpx.Headers
    body: bytes


class HttpWebSource(WebSource):
    """Feeds and pages over HTTP(S), guarded and bounded by the ``[feed]`` settings.

    Args:
        config: timeout, size cap, allowed networks and user agent.
        resolver: host name → addresses; the system's DNS unless a test gives one.
    """

    def __init__(self, config: FeedConfig, *, resolver: Resolver = system_resolver) -> None:
        self._config = config
        self._policy = AddressPolicy(config.allowed_networks)
        self._client = httpx.AsyncClient(
            transport=GuardedTransport(self._policy, resolver),
            follow_redirects=False,
            timeout=httpx.Timeout(config.timeout),
            headers={"User-Agent": config.user_agent},
            trust_env=False,
        )

    async def feed(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchedFeed:
        headers = {"Accept": FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = await self._get(url, headers)
        if response.status == 304:
            return FetchedFeed(url=response.url, not_modified=True)
        return FetchedFeed(
            url=response.url,
            not_modified=False,
            body=response.body,
            content_type=response.headers.get("content-type"),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )

    async def page(self, url: str) -> str:
        response = await self._get(url, {"Accept": PAGE_ACCEPT})
        if response.status == 304:  # never asked for; a broken server
            raise FetchError("answered 304 to a plain GET", url=url, status=304)
        return decode_page(response.body, response.headers.get("content-type"))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def _get(self, url: str, headers: dict[str, str]) -> _Response:
        seconds = self._config.timeout
        try:
            async with asyncio.timeout(seconds):
                return await self._follow(url, headers)
        except TimeoutError:
            raise FetchError(f"timed out after {seconds:g}s", url=url) from None
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {seconds:g}s", url=url) from None
        except AddressRefused as exc:
            raise FetchError(refusal(exc.host, exc.address), url=url, retryable=False) from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc or 'no answer'}", url=url) from None

    async def _follow(self, url: str, headers: dict[str, str]) -> _Response:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self._policy.check_url(current)
            async with self._client.stream("GET", current, headers=headers) as response:
                status = response.status_code
                if status in _REDIRECTS and response.headers.get("location"):
                    current = urljoin(current, response.headers["location"])
                    continue
                if status == 304:
                    return _Response(current, 304, response.headers, b"")
                if status >= 400:
                    raise _status_error(current, response)
                body = await self._read(current, response)
                return _Response(current, status, response.headers, body)
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", url=url, retryable=False)

    async def _read(self, url: str, response: httpx.Response) -> bytes:
        limit = self._config.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(
                f"is {_size(int(declared))}, larger than feed.max_size ({_size(limit)})",
                url=url,
                retryable=False,
            )
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > limit:
                raise FetchError(
                    f"is larger than feed.max_size ({_size(limit)}); stopped reading there",
                    url=url,
                    retryable=False,
                )
            chunks.append(chunk)
        return b"".join(chunks)


def decode_page(body: bytes, content_type: str | None) -> str:
    """A page's text: the charset its headers name, else its ``<meta>``, else UTF-8."""
    for charset in (_header_charset(content_type), _meta_charset(body)):
        if charset:
            try:
                return body.decode(codecs.lookup(charset).name, errors="replace")
            except LookupError:
                continue
    if body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :]
    return body.decode("utf-8", errors="replace")


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _meta_charset(body: bytes) -> str | None:
    # The HTML standard looks for the charset in the first 1024 bytes; latin-1 keeps them.
    head = LexborHTMLParser(body[:1024].decode("latin-1"))
    meta = head.css_first("meta[charset]")
    if meta is not None:
        return meta.attributes.get("charset")
    for meta in head.css("meta[http-equiv]"):
        if (meta.attributes.get("http-equiv") or "").lower() == "content-type":
            return _header_charset(meta.attributes.get("content"))
    return None


def _status_error(url: str, response: httpx.Response) -> FetchError:
    status = response.status_code
    reason = response.reason_phrase or "error"
    return FetchError(
        f"HTTP {status} {reason}",
        url=url,
        status=status,
        retryable=status in _RETRYABLE,
        retry_after=retry_after_seconds(response.headers.get("retry-after")),
    )


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count / 1000:.0f} kB"
