"""A report of reading stats for one issue: sections × platforms, searches, friends.

Numbers a platform cannot know are None (``null`` in JSON), never 0: Slack has no read
receipts, and LINE reports a broadcast's reach only a day after it went.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.stats.model import ISSUE_WIDE, SectionCounts
from core.stats.ports import CountKey, FollowerDay, MessageInsight, SearchLine, StatsSource

SEARCHES_SHOWN = 20


@dataclass(frozen=True, slots=True)
class IssueInfo:
    """The issue a report is about: its number, title, date and sections (key, title)."""

    number: int
    title: str | None
    date: date | None
    sections: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class PlatformCounts:
    """One section on one platform. ``delivered`` is None while the platform has not said
    how many a broadcast reached."""

    delivered: int | None
    opened: int
    asked: int
    pages: int

    def as_json(self) -> dict[str, int | None]:
        """The JSON object of the contract."""
        return {
            "delivered": self.delivered,
            "opened": self.opened,
            "asked": self.asked,
            "pages": self.pages,
        }


@dataclass(frozen=True, slots=True)
class SectionStats:
    """A section's counts per platform."""

    key: str
    title: str
    platforms: dict[str, PlatformCounts]


@dataclass(frozen=True, slots=True)
class IssueReach:
    """The issue as a whole on one platform: its digest asked for or opened, and what the
    platform itself reported (None: it has no such number, or has not said yet)."""

    opened: int
    asked: int
    insight: MessageInsight | None

    def as_json(self) -> dict[str, Any]:
        """The issue's numbers on the platform."""
        insight = self.insight
        return {
            "opened": self.opened,
            "asked": self.asked,
            "delivered": insight.delivered if insight else None,
            "impressions": insight.impressions if insight else None,
            "unique_impressions": insight.unique_impressions if insight else None,
            "unique_clicks": insight.unique_clicks if insight else None,
            "clicks": [
                {"url": url, "clicks": clicks, "unique_clicks": unique}
                for url, clicks, unique in (insight.clicks if insight else ())
            ],
        }


@dataclass(slots=True)
class Report:
    """Everything ``haishin stats`` shows about one issue."""

    issue: IssueInfo
    reach: dict[str, IssueReach]
    sections: list[SectionStats]
    searches: list[SearchLine] = field(default_factory=list)
    zero_hit: list[SearchLine] = field(default_factory=list)
    followers: list[FollowerDay] = field(default_factory=list)
    since: date | None = None
    start: date | None = None
    end: date | None = None

    def as_json(self) -> dict[str, Any]:
        """The document ``haishin stats --json`` prints (see the README)."""
        return {
            "issue": {
                "number": self.issue.number,
                "title": self.issue.title,
                "date": self.issue.date.isoformat() if self.issue.date else None,
                "platforms": {name: reach.as_json() for name, reach in self.reach.items()},
            },
            "since": self.since.isoformat() if self.since else None,
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "platforms": {name: c.as_json() for name, c in s.platforms.items()},
                }
                for s in self.sections
            ],
            "searches": [_search(s) for s in self.searches],
            "zero_hit_searches": [_search(s) for s in self.zero_hit],
            "period": {
                "from": self.start.isoformat() if self.start else None,
                "until": self.end.isoformat() if self.end else None,
            },
            "followers": [
                {
                    "date": f.day.isoformat(),
                    "follows": f.follows,
                    "unfollows": f.unfollows,
                    "unblocks": f.unblocks,
                    "friends": f.friends,
                    "blocks": f.blocks,
                    "targeted_reaches": f.targeted_reaches,
                }
                for f in self.followers
            ],
        }


def _search(line: SearchLine) -> dict[str, Any]:
    return {"query": line.query, "count": line.count, "hits": line.hits}


async def build_report(
    source: StatsSource,
    issue: IssueInfo,
    *,
    platforms: Sequence[str],
    since: date | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Report:
    """The report of one issue.

    Args:
        source: where counts are read.
        issue: the issue.
        platforms: the platforms reported on, in the order shown (the service's registry).
        since: count only days from this one on (``--since``).
        start / end: the days searches and friends are shown for (``end`` excluded):
            typically from the issue's publication to the next one's.
    """
    number = issue.number
    counts = await source.section_counts([number], since)
    delivered = await source.delivered([number], since)
    insight = await source.insight([number])
    keys = [key for key, _ in issue.sections]
    titles = dict(issue.sections)
    for _, key, _platform in [*counts, *delivered]:
        if key != ISSUE_WIDE and key not in titles:
            keys.append(key)  # counted under a key the current revision no longer has
            titles[key] = key
    sections = [
        SectionStats(
            key,
            titles[key],
            {name: _counts(counts, delivered, (number, key, name)) for name in platforms},
        )
        for key in dict.fromkeys(keys)
    ]
    reach = {}
    for name in platforms:
        whole = counts.get((number, ISSUE_WIDE, name), SectionCounts())
        reach[name] = IssueReach(whole.opened, whole.asked, insight.get((number, name)))
    first, last = start or since, end
    return Report(
        issue=issue,
        reach=reach,
        sections=sections,
        searches=await source.searches(first, last, limit=SEARCHES_SHOWN, zero_hits=False),
        zero_hit=await source.searches(first, last, limit=SEARCHES_SHOWN, zero_hits=True),
        followers=await source.followers(first, last),
        since=since,
        start=first,
        end=last,
    )


def _counts(
    counts: dict[CountKey, SectionCounts],
    delivered: dict[CountKey, int | None],
    key: CountKey,
) -> PlatformCounts:
    found = counts.get(key) or SectionCounts()
    return PlatformCounts(delivered.get(key, 0), found.opened, found.asked, found.pages)


@dataclass(frozen=True, slots=True)
class IssueTotals:
    """One issue's reads per platform, for the trend over the last issues."""

    number: int
    reads: dict[str, SectionCounts]


async def trend(
    source: StatsSource, issues: Sequence[int], platforms: Sequence[str]
) -> list[IssueTotals]:
    """Opened, asked and pages on each of ``platforms`` for each of ``issues`` (sections and
    the issue as a whole together), in the order given."""
    counts = await source.section_counts(issues)
    totals = {number: {name: SectionCounts() for name in platforms} for number in issues}
    for (number, _section, platform), found in counts.items():
        if platform in totals.get(number, {}):
            totals[number][platform] += found
    return [IssueTotals(number, totals[number]) for number in issues]
