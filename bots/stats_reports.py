"""Reading-stats reports of stored issues, for ``haishin stats`` and the console's page.

A report covers one issue: its sections on each platform (from the counters and the
delivery ledger), and the searches and friends of the days after it, from its publication
to the next issue's (or the days from ``--since`` on).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bots import registry
from bots.bootstrap import Services
from core.profile import Profile
from core.stats.report import IssueInfo, IssueTotals, Report, build_report, trend
from core.storage import IssueRepository, StoredIssue
from core.storage.stats import StatsRepository

TREND_ISSUES = 8


def stats_source(svc: Services) -> StatsRepository:
    """The stats repository of the running service."""
    return StatsRepository(svc.db, clock=svc.clock, zone=svc.profile.timezone)


def issue_info(stored: StoredIssue, profile: Profile) -> IssueInfo:
    """The issue's number, title, date and sections under the names the profile gives."""
    sections = []
    for section in stored.issue.sections:
        spec = profile.spec(section.key)
        sections.append((section.key, spec.title if spec else section.title))
    return IssueInfo(stored.number, stored.issue.title, stored.issue.date, tuple(sections))


async def issue_report(svc: Services, stored: StoredIssue, *, since: date | None) -> Report:
    """The report of one issue (counts from ``since`` on, when given)."""
    zone = svc.profile.timezone
    start, end = since, None
    if since is None:
        start = _day(_went_out(stored), zone) or stored.issue.date
        following = await IssueRepository(svc.db, clock=svc.clock).get(stored.number + 1)
        if following is not None and following.visible_at(svc.clock.now()):
            end = _day(_went_out(following), zone)
    return await build_report(
        stats_source(svc),
        issue_info(stored, svc.profile),
        platforms=registry.names(),
        since=since,
        start=start,
        end=end,
    )


async def recent_trend(svc: Services, upto: StoredIssue) -> list[IssueTotals]:
    """Reads per platform of the last issues up to ``upto``, oldest first."""
    repository = IssueRepository(svc.db, clock=svc.clock)
    recent = await repository.recent(TREND_ISSUES * 4, svc.clock.now())
    numbers = sorted(s.number for s in recent if s.number <= upto.number)[-TREND_ISSUES:]
    return await trend(stats_source(svc), numbers or [upto.number], registry.names())


def _went_out(stored: StoredIssue) -> datetime | None:
    return stored.published_at or stored.publish_at


def _day(at: datetime | None, zone: ZoneInfo) -> date | None:
    return at.astimezone(zone).date() if at is not None else None
