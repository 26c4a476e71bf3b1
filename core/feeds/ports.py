"""What the feed logic needs from the network, as a port: the HTTP side lives in ``bots.feeds``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from core.errors import HaishinError


class FetchError(HaishinError):
    """A feed or page could not be fetched, or was refused before any request was made.

    Args:
        message: what happened, in words an operator understands (``timed out after 20s``).
        url: the URL concerned.
        status: the HTTP status, when the server answered.
        retryable: True when the same request may succeed later (timeouts, 429, 5xx).
        retry_after: seconds the server asked us to wait, when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int | None = None,
        retryable: bool = True,
        retry_after: float | None = None,
    ) -> None:
        self.message = message
        self.url = url
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(f"{url}: {message}")


@dataclass(frozen=True, slots=True)
class FetchedFeed:
    """A feed as the server answered a (conditional) GET.

    Attributes:
        url: the URL finally read (after redirects).
        not_modified: the server answered 304: nothing changed since the validators given.
        body: the document (empty when not modified).
        content_type: the response's ``Content-Type``.
        etag, last_modified: the validators to send next time.
    """

    url: str
    not_modified: bool
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None


class WebSource(ABC):
    """Fetches feeds (conditionally) and the web pages their entries link to."""

    @abstractmethod
    async def feed(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchedFeed:
        """GET a feed, sending ``If-None-Match``/``If-Modified-Since`` when given.

        Raises:
            FetchError: refused, timed out, too large, or an HTTP error status.
        """

    @abstractmethod
    async def page(self, url: str) -> str:
        """The HTML of an entry's web page, decoded.

        Raises:
            FetchError: refused, timed out, too large, or an HTTP error status.
        """
