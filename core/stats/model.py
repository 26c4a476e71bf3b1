"""What reading stats are made of: counters per day, with no reader in them.

Every count is kept per (day, issue, section, platform), per (day, platform, search) or per
(day, platform) for friends; none of them says who did it. A ``StatsBatch`` is what the
recorder hands the store at once: counts to add to what is stored.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

How = Literal["typed", "pressed", "shared"]
"""How an answer was asked for: typed words, a pressed button, or a "share in channel"."""

FollowerEvent = Literal["follow", "unfollow", "unblock"]
"""A LINE friend added the account, blocked it (LINE's ``unfollow``), or unblocked it."""

ISSUE_WIDE = ""  # the "section" of counts about a whole issue (its digest asked for)
MAX_QUERY = 200  # characters of a search kept


@dataclass(frozen=True, slots=True)
class SectionKey:
    """Where a section count belongs."""

    day: date
    issue: int
    section: str  # ``ISSUE_WIDE`` for the issue as a whole
    platform: str


@dataclass(slots=True)
class SectionCounts:
    """Reads of a section: opened by a button, asked for in words, pages past the first."""

    opened: int = 0
    asked: int = 0
    pages: int = 0

    def __iadd__(self, other: SectionCounts) -> SectionCounts:
        self.opened += other.opened
        self.asked += other.asked
        self.pages += other.pages
        return self

    @property
    def reads(self) -> int:
        """Everything read on demand."""
        return self.opened + self.asked + self.pages


@dataclass(frozen=True, slots=True)
class SearchKey:
    """Where a search count belongs: the day, the platform and the normalized query."""

    day: date
    platform: str
    query: str


@dataclass(slots=True)
class SearchCounts:
    """How often a query was searched, and how many hits it had the last time."""

    count: int = 0
    hits: int = 0


@dataclass(slots=True)
class FollowerCounts:
    """Friends gained and lost in a day."""

    follows: int = 0
    unfollows: int = 0
    unblocks: int = 0


@dataclass(slots=True)
class StatsBatch:
    """Counts gathered since the last write, to be added to the stored ones."""

    sections: dict[SectionKey, SectionCounts] = field(default_factory=dict)
    searches: dict[SearchKey, SearchCounts] = field(default_factory=dict)
    followers: dict[tuple[date, str], FollowerCounts] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.sections or self.searches or self.followers)

    def merge(self, newer: StatsBatch) -> None:
        """Add a newer batch to this one (a write that failed is tried again with it)."""
        for key, counts in newer.sections.items():
            self.sections.setdefault(key, SectionCounts()).__iadd__(counts)
        for skey, found in newer.searches.items():
            mine = self.searches.setdefault(skey, SearchCounts())
            mine.count += found.count
            mine.hits = found.hits
        for fkey, moved in newer.followers.items():
            own = self.followers.setdefault(fkey, FollowerCounts())
            own.follows += moved.follows
            own.unfollows += moved.unfollows
            own.unblocks += moved.unblocks


def normalize_query(text: str) -> str:
    """A search as it is counted: NFKC, case-folded, white space collapsed, at most 200
    characters (``ＡＩ  規制`` and ``ai 規制`` are one query)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())[:MAX_QUERY]
