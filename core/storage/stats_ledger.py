"""Deliveries per section, read from the delivery ledger (the one record of what was sent).

- Slack: a section reached a channel (or a person) when one of its posts was sent there;
  each such channel counts once, on the day its first post of the section went.
- LINE: the digest (one carousel, a bubble per section) reached everyone its batch named:
  a push one friend, a multicast its recipients, a broadcast or a narrowcast (every friend
  but some) as many as LINE reports delivered (its insight, fetched a day later); until
  then that count is unknown (None).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.stats.ports import CountKey
from core.storage.models import (
    DeliveryBatchRow,
    DeliveryRow,
    IssueRow,
    SectionRow,
    SubscriptionRow,
)
from core.storage.stats_tables import PlatformMessageStatsRow

SLACK_PARENT = "parent"
LINE_DIGEST = "digest"
BROADCAST_REF = "line:broadcast:"
NARROWCAST_REF = "line:narrowcast:"
EVERY_FRIEND = ("all", "all-except")  # a batch's first recipient: LINE counts the reach


async def ledger_deliveries(
    session: AsyncSession,
    dialect: str,
    issues: Sequence[int],
    *,
    zone: ZoneInfo,
    since: date | None,
) -> dict[CountKey, int | None]:
    """Deliveries per (issue number, section key, platform), from ``since`` on."""
    counts: dict[CountKey, int | None] = {}
    await _slack(session, dialect, issues, zone, since, counts)
    await _line(session, issues, zone, since, counts)
    return counts


def _day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


async def _slack(
    session: AsyncSession,
    dialect: str,
    issues: Sequence[int],
    zone: ZoneInfo,
    since: date | None,
    counts: dict[CountKey, int | None],
) -> None:
    # A post's unit is "section/item/part": its section is what comes before the first "/".
    if dialect == "postgresql":
        section: Any = func.split_part(DeliveryRow.unit, "/", 1)
    else:
        section = func.substr(DeliveryRow.unit, 1, func.instr(DeliveryRow.unit, "/") - 1)
    query = (
        select(IssueRow.number, section, func.min(DeliveryRow.updated_at))
        .join(SubscriptionRow, SubscriptionRow.id == DeliveryRow.subscription_id)
        .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
        .where(
            SubscriptionRow.platform == "slack",
            DeliveryRow.state == "sent",
            DeliveryRow.unit != SLACK_PARENT,
            IssueRow.number.in_(list(issues)),
        )
        .group_by(IssueRow.number, DeliveryRow.subscription_id, section)
    )
    for number, key, first_sent in (await session.execute(query)).all():
        if not key or (since is not None and _day(first_sent, zone) < since):
            continue
        slot: CountKey = (int(number), str(key), "slack")
        counts[slot] = (counts.get(slot) or 0) + 1


async def _line(
    session: AsyncSession,
    issues: Sequence[int],
    zone: ZoneInfo,
    since: date | None,
    counts: dict[CountKey, int | None],
) -> None:
    digest = or_(DeliveryRow.unit == LINE_DIGEST, DeliveryRow.unit.like(f"%:{LINE_DIGEST}"))
    query = (
        select(
            IssueRow.id,
            IssueRow.number,
            DeliveryRow.updated_at,
            DeliveryRow.sent_ref,
            SubscriptionRow.sections,
            DeliveryBatchRow.sections,
            DeliveryBatchRow.recipients,
            PlatformMessageStatsRow.delivered,
        )
        .join(SubscriptionRow, SubscriptionRow.id == DeliveryRow.subscription_id)
        .join(IssueRow, IssueRow.id == DeliveryRow.issue_id)
        .outerjoin(
            DeliveryBatchRow,
            and_(
                DeliveryBatchRow.subscription_id == DeliveryRow.subscription_id,
                DeliveryBatchRow.issue_id == DeliveryRow.issue_id,
                DeliveryBatchRow.batch == DeliveryRow.batch,
            ),
        )
        .outerjoin(
            PlatformMessageStatsRow,
            and_(
                PlatformMessageStatsRow.platform == "line",
                PlatformMessageStatsRow.request_id
                == func.replace(
                    func.replace(DeliveryRow.sent_ref, BROADCAST_REF, ""), NARROWCAST_REF, ""
                ),
            ),
        )
        .where(
            SubscriptionRow.platform == "line",
            DeliveryRow.state == "sent",
            digest,
            IssueRow.number.in_(list(issues)),
        )
    )
    rows = (await session.execute(query)).all()
    if not rows:
        return
    sections_of = await _issue_sections(session, {int(r[0]) for r in rows})
    for issue_id, number, sent_at, ref, chosen, batch_sections, recipients, reported in rows:
        if since is not None and _day(sent_at, zone) < since:
            continue
        keys = sections_of.get(int(issue_id), [])
        wanted = list(batch_sections or []) or list(chosen or [])
        if wanted:
            keys = [key for key in keys if key in wanted]
        reached: int | None
        ref = ref or ""
        if ref.startswith((BROADCAST_REF, NARROWCAST_REF)) or (
            recipients and recipients[0] in EVERY_FRIEND
        ):
            reached = reported  # LINE's count, once fetched
        else:
            reached = len(recipients) if recipients else 1  # a multicast, or one friend
        for key in keys:
            slot: CountKey = (int(number), key, "line")
            before = counts.get(slot, 0)
            counts[slot] = None if before is None or reached is None else before + reached


async def _issue_sections(session: AsyncSession, issue_ids: set[int]) -> dict[int, list[str]]:
    query = (
        select(SectionRow.issue_id, SectionRow.key)
        .where(SectionRow.issue_id.in_(issue_ids))
        .order_by(SectionRow.issue_id, SectionRow.position)
    )
    found: dict[int, list[str]] = {}
    for issue_id, key in (await session.execute(query)).all():
        found.setdefault(int(issue_id), []).append(str(key))
    return found
