"""A read feed's entries → stored issues: what is new, what was edited, what is back catalogue.

For every entry, oldest first (so new issues are numbered in publication order):

- An entry seen before whose fingerprint is unchanged needs nothing, not even its page.
- Otherwise its HTML (the feed's body, or its web page when the feed carries only a summary;
  ``feed.fetch_pages``) is parsed and stored under the entry's identity. The issue store
  compares the parsed content: the same content is ``unchanged``, different content a new
  revision of the same issue (a correction readers are told about).
- Entries present on a feed's first poll are back catalogue: stored and searchable, never
  sent. Entries that appear later are new issues, due at their publication time.

One entry failing (its page times out, its HTML has no text) never stops the others; it is
reported, and tried again on the next poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.clock import Clock
from core.errors import ContentError
from core.feeds.config import FeedConfig
from core.feeds.document import FeedDocument, FeedEntry
from core.feeds.entries import entry_issue, entry_text, fingerprint, page_to_fetch, source_key
from core.feeds.ports import FetchError, WebSource
from core.ingest import effective_publish_at
from core.profile import Profile
from core.serialize import content_hash
from core.storage.database import Database
from core.storage.feeds import EntryState, FeedRepository
from core.storage.issues import IssueRepository

EntryStatus = Literal["new", "revised", "unchanged", "error"]


@dataclass(frozen=True, slots=True)
class EntryOutcome:
    """What happened to one entry in a poll."""

    key: str | None
    title: str | None
    link: str | None
    status: EntryStatus
    back_catalogue: bool = False
    number: int | None = None
    revision: int | None = None
    error: str | None = None


class EntrySync:
    """Stores a feed's entries as issues (see the module docstring)."""

    def __init__(
        self,
        *,
        db: Database,
        profile: Profile,
        config: FeedConfig,
        source: WebSource,
        clock: Clock,
    ) -> None:
        self._profile = profile
        self._config = config
        self._source = source
        self._clock = clock
        self._db = db
        self._feeds = FeedRepository(db, clock=clock)

    async def store(
        self, url: str, document: FeedDocument, *, first_poll: bool
    ) -> list[EntryOutcome]:
        """Store every new or changed entry of a read feed; one outcome per entry."""
        known = await self._feeds.entries(url)
        fresh = {
            entry.key: source_key(url, entry.key)
            for entry in document.entries
            if entry.key and entry.key not in known
        }
        await self._feeds.note_entries(
            url, fresh.items(), back_catalogue=first_poll, now=self._clock.now()
        )
        known = await self._feeds.entries(url) if fresh else known
        outcomes = []
        for entry in document.entries:
            if entry.key is None:
                outcomes.append(
                    _failed(entry, "has neither an id/guid nor a link, so it can't be followed")
                )
                continue
            outcomes.append(await self._entry(url, entry, known[entry.key]))
        return outcomes

    async def _entry(self, url: str, entry: FeedEntry, state: EntryState) -> EntryOutcome:
        key = state.entry_key
        print_ = fingerprint(entry)
        if state.fingerprint == print_:
            return EntryOutcome(
                key, entry.title, entry.link, "unchanged", state.back_catalogue, state.issue_number
            )
        try:
            html = await self._html(entry)
            issue = entry_issue(
                entry, html, feed_url=url, profile=self._profile, key=key, base=entry.link or url
            )
            publish_at = effective_publish_at(issue, self._profile)
            # The issue and the entry's fingerprint are stored together or not at all.
            async with self._db.transaction() as session:
                stored = await IssueRepository(session, clock=self._clock).store(
                    issue,
                    source_key=state.source_key,
                    content_hash=content_hash(issue, publish_at=publish_at),
                    fmt="feed",
                    publish_at=publish_at,
                    back_catalogue=state.back_catalogue,
                )
                await FeedRepository(session, clock=self._clock).record_entry(
                    url, key, now=self._clock.now(), fingerprint=print_, issue_number=stored.number
                )
        except (FetchError, ContentError) as exc:
            message: str | None = str(exc)
        except (RecursionError, ValueError, LookupError) as exc:  # markup beyond the reader
            message = f"can't be read ({type(exc).__name__}: {exc})"
        else:
            message = None
        if message is not None:
            await self._feeds.record_entry(url, key, now=self._clock.now(), error=message)
            return _failed(entry, message, back_catalogue=state.back_catalogue)
        return EntryOutcome(
            key,
            entry.title,
            entry.link,
            stored.status,
            state.back_catalogue,
            stored.number,
            stored.revision,
        )

    async def _html(self, entry: FeedEntry) -> str:
        page = page_to_fetch(entry, self._config.fetch_pages)
        if page is not None:
            return await self._source.page(page)
        html = entry_text(entry)
        if html is None:
            raise ContentError(
                "carries no text and no link to read it from",
                path=entry.key,
                hint="the feed must give the entry's content, a summary or a link",
            )
        return html


def _failed(entry: FeedEntry, message: str, *, back_catalogue: bool = False) -> EntryOutcome:
    return EntryOutcome(entry.key, entry.title, entry.link, "error", back_catalogue, error=message)
