"""A feed entry as an issue: its identity, its fingerprint, and its parsed content.

- Identity: the entry's id (Atom ``<id>``, RSS ``<guid>``), else its link, is what makes it
  the same issue across polls; the issue is stored under ``feed:`` plus that key (plus the
  feed's URL when the id is not a URI of its own, such as ``<guid>42</guid>``).
- Fingerprint: a hash of what the feed says about the entry. An unchanged fingerprint means
  nothing to do (not even fetching its page); a changed one re-reads the entry, and the issue
  store decides from the parsed content whether that is a revision.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from urllib.parse import urlsplit

from core.feeds.config import FetchPages
from core.feeds.document import FeedEntry
from core.model import Issue
from core.parsing.elements import IssueMeta
from core.parsing.html import parse_html
from core.profile import Profile

SOURCE_PREFIX = "feed:"
_SOURCE_MAX = 1000


def source_key(feed_url: str, entry_key: str) -> str:
    """The key an entry's issue is stored under (``IssueRepository.store(source_key=…)``)."""
    scheme = urlsplit(entry_key).scheme
    key = entry_key if scheme and ":" in entry_key else f"{feed_url}#{entry_key}"
    stored = SOURCE_PREFIX + key
    if len(stored) > _SOURCE_MAX:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        stored = f"{SOURCE_PREFIX}sha256:{digest}"
    return stored


def fingerprint(entry: FeedEntry) -> str:
    """A hash of everything the feed says about an entry."""
    document = {
        "id": entry.id,
        "link": entry.link,
        "title": entry.title,
        "published": _iso(entry.published),
        "updated": _iso(entry.updated),
        "body": entry.body,
        "summary": entry.summary,
    }
    canonical = json.dumps(document, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def page_to_fetch(entry: FeedEntry, fetch_pages: FetchPages) -> str | None:
    """The page to read the entry from, or None when the feed's own text is used.

    ``auto`` fetches the page when the feed carries no body (only a summary, or nothing).
    """
    if fetch_pages == "never" or not entry.link:
        return None
    if fetch_pages == "always" or not entry.body:
        return entry.link
    return None


def entry_text(entry: FeedEntry) -> str | None:
    """The entry's own HTML: its body, else its summary."""
    return entry.body or entry.summary


def entry_issue(
    entry: FeedEntry, html: str, *, feed_url: str, profile: Profile, key: str, base: str
) -> Issue:
    """Parse an entry's HTML (its body, or its page) into an issue.

    The title comes from the feed; the date is the publication day in the newsletter's time
    zone, and the issue is due at its publication time (already past for a new entry).
    Relative links resolve against ``base`` (the entry's page).

    Raises:
        ContentError: nothing readable is left in the HTML; the message names the entry.
    """
    moment = entry.published or entry.updated
    meta = IssueMeta(
        title=entry.title,
        date=moment.astimezone(profile.timezone).date() if moment else None,
        publish_at=moment,
    )
    return parse_html(html, name=f"{feed_url}#{key}", profile=profile, meta=meta, base=base)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
