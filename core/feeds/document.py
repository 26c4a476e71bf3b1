"""Reading a feed document (RSS 0.9x/1.0/2.0, Atom) with feedparser, from bytes.

feedparser never touches the network here: it gets the bytes the HTTP side fetched (and the
response's content type, for the encoding). Its HTML sanitising is off: the HTML reader drops
scripts, styles and page furniture itself, and needs the ``class`` attributes to do so. The
entry's own link resolves against the feed's URL; links inside bodies are resolved by the
HTML reader.
"""

from __future__ import annotations

import calendar
import html
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from selectolax.lexbor import LexborHTMLParser

from core.errors import ContentError

_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a feed, as the feed gives it.

    Attributes:
        id: the entry's id (Atom ``<id>``, RSS ``<guid>``), if it has one.
        link: the entry's web page, if given.
        title: the entry's title, as plain text.
        published: when it was published (aware), if the feed says.
        updated: when it was last changed (aware), if the feed says.
        body: the full body as HTML (``content:encoded``, Atom ``content``), if carried.
        summary: the summary or description as HTML, if carried.
    """

    id: str | None
    link: str | None
    title: str | None
    published: datetime | None
    updated: datetime | None
    body: str | None
    summary: str | None

    @property
    def key(self) -> str | None:
        """What makes the entry the same issue across polls: its id, else its link."""
        return self.id or self.link


@dataclass(frozen=True, slots=True)
class FeedDocument:
    """A parsed feed: its title and site, and its entries oldest first."""

    title: str | None
    link: str | None
    entries: tuple[FeedEntry, ...]
    warning: str | None = None  # the document was malformed but could still be read


def parse_feed(data: bytes, *, url: str, content_type: str | None = None) -> FeedDocument:
    """Parse a fetched feed.

    Args:
        data: the response body.
        url: the feed's URL (relative links in it resolve against it; named in messages).
        content_type: the response's ``Content-Type``, for its charset.

    Returns:
        The feed, entries ordered oldest first (by publication time, then reversed feed order).

    Raises:
        ContentError: the bytes are not an RSS or Atom feed; an HTML page that names its feed
            gets the feed's URL in the hint.
    """
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # The HTML reader resolves the links it keeps; feedparser resolving every URI of every
    # body would parse each body once more (most of the time of a large feed).
    parsed: Any = feedparser.parse(
        data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    entries = parsed.get("entries") or []
    if not parsed.get("version") and not entries:
        raise _not_a_feed(data, url, parsed.get("bozo_exception"))
    feed = parsed.get("feed") or {}
    read = [_entry(raw) for raw in entries]
    # Feeds list newest first; ties (no dates) keep that order reversed.
    ordered = sorted(
        enumerate(read),
        key=lambda pair: (
            pair[1].published or pair[1].updated or datetime.max.replace(tzinfo=UTC),
            -pair[0],
        ),
    )
    warning = None
    if parsed.get("bozo") and parsed.get("bozo_exception") is not None:
        warning = f"the feed is not well-formed ({parsed['bozo_exception']}); read leniently"
    return FeedDocument(
        title=_text(feed.get("title")),
        link=_text(feed.get("link")),
        entries=tuple(entry for _, entry in ordered),
        warning=warning,
    )


def _entry(raw: Any) -> FeedEntry:
    return FeedEntry(
        id=_text(raw.get("id")),
        link=_text(raw.get("link")),
        title=_text(raw.get("title")),
        # dict.get: feedparser's own get() passes updated off as published, with a warning.
        published=_moment(dict.get(raw, "published_parsed")),
        updated=_moment(dict.get(raw, "updated_parsed")),
        body=_body(raw.get("content") or []),
        summary=_as_html(raw.get("summary_detail")),
    )


def _body(contents: list[Any]) -> str | None:
    bodies = [_as_html(content) for content in contents]
    present = [body for body in bodies if body]
    return max(present, key=len) if present else None


def _as_html(detail: Any) -> str | None:
    if not detail:
        return None
    value = str(detail.get("value") or "")
    if not value.strip():
        return None
    kind = str(detail.get("type") or "text/html").lower()
    if any(kind.startswith(t) for t in _HTML_TYPES):
        return value
    # Plain text: paragraphs at blank lines, line breaks kept.
    paragraphs = [p for p in value.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _moment(parsed: time.struct_time | None) -> datetime | None:
    if parsed is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _not_a_feed(data: bytes, url: str, problem: object) -> ContentError:
    head = data[:4096].lstrip().lower()
    if not head:
        return ContentError("is empty, not a feed", path=url, hint="check the feed URL")
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        tree = LexborHTMLParser(data.decode("utf-8", "replace"))
        for link in tree.css('link[rel~="alternate"]'):
            kind = (link.attributes.get("type") or "").lower()
            href = link.attributes.get("href")
            if href and kind in _FEED_TYPES:
                return ContentError(
                    "is a web page, not a feed",
                    path=url,
                    hint=f"the page names its feed: set feed.url to {urljoin(url, href)}",
                )
        return ContentError(
            "is a web page, not a feed",
            path=url,
            hint="use the site's RSS or Atom URL (often /feed, /rss or /atom.xml)",
        )
    detail = f" ({problem})" if problem else ""
    return ContentError(
        f"is not an RSS or Atom feed{detail}",
        path=url,
        hint="check the feed URL; the server may be returning an error page",
    )
