"""The deliveries page's content: subscriptions with their next slot, and the ledger.

The ledger is read through its repository (``DeliveryLedgerRepository``). Where
its table can't be read (a database not migrated yet), the page says so instead of failing.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from bots import registry
from core.clock import Clock
from core.delivery import STATES, Fanout, State
from core.errors import DeliveryError
from core.profile import Profile
from core.storage.catalogue import Entry
from core.storage.database import Database
from core.storage.delivery_ledger import DeliveryLedgerRepository
from core.storage.issues import StoredIssue
from core.storage.subscriptions import ALL, Subscription

if TYPE_CHECKING:
    from bots.platform import Platform

log = logging.getLogger("haishin.console")

LEDGER_ROWS = 200


@dataclass(frozen=True, slots=True)
class SubscriptionLine:
    """One subscription as the table shows it."""

    sub: Subscription
    sections: str
    cadence: str
    next: str
    platform_on: bool = True  # False: this serve has no credentials for its platform


@dataclass(frozen=True, slots=True)
class PlatformOff:
    """A platform with subscriptions that this serve can't deliver to: it is off."""

    name: str
    subscriptions: int
    turned_on_by: str


def platforms_off(lines: Sequence[SubscriptionLine]) -> list[PlatformOff]:
    """The platforms that are off yet have active subscriptions, with what turns them on."""
    counts: dict[str, int] = {}
    for line in lines:
        if not line.platform_on and line.sub.active:
            counts[line.sub.platform] = counts.get(line.sub.platform, 0) + 1
    return [
        PlatformOff(registry.platform(name).title, count, registry.platform(name).switched_on_by)
        if name in registry.names()
        else PlatformOff(name, count, "its credentials")
        for name, count in counts.items()
    ]


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One ledger row, with the issue number and address it concerns."""

    issue: int | str
    revision: int
    address: str
    unit: str
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_ref: str | None
    updated_at: datetime
    duplicates_removed: int = 0  # late copies of a send in doubt found and deleted


@dataclass(slots=True)
class LedgerView:
    """The ledger table, or why there is none."""

    available: bool
    reason: str = ""
    rows: list[LedgerLine] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    total: int = 0
    state: str | None = None
    more: bool = False


def subscription_lines(
    subscriptions: Sequence[Subscription],
    issues: Sequence[Entry],
    profile: Profile,
    now: datetime,
    when: Any,
    platforms_on: Collection[str],
) -> list[SubscriptionLine]:
    """Subscriptions with their sections, cadence and next slot in words, and whether this
    serve delivers to their platform (``platforms_on``)."""
    upcoming = sorted(
        (
            i
            for i in issues
            if i.published_at is None and not i.back_catalogue and i.held is None and i.publish_at
        ),
        key=lambda i: i.publish_at or now,
    )
    lines = []
    for sub in subscriptions:
        labels = [_label(profile, key) for key in sub.sections]
        if sub.cadence == "weekly" and sub.slot is not None:
            cadence = f"weekly, {sub.slot}"
            nxt = when(sub.slot.next_after(now))
        else:
            cadence = "on publish"
            due = next(
                (
                    i
                    for i in upcoming
                    if i.publish_at and i.publish_at > now and i.number > (sub.starts_after or 0)
                ),
                None,
            )
            nxt = (
                f"#{due.number} at {when(due.publish_at)}" if due else "when the next issue is out"
            )
        on = sub.platform in platforms_on
        if not sub.active:
            nxt = "— (paused)"
        lines.append(SubscriptionLine(sub, " / ".join(labels) or "all sections", cadence, nxt, on))
    return lines


def _state(name: str | None) -> State | None:
    return next((state for state in STATES if state == name), None)


def _label(profile: Profile, key: str) -> str:
    spec = profile.spec(key)
    return spec.title if spec else key


async def read_ledger(
    db: Database,
    clock: Clock,
    issues: Sequence[Entry],
    subscriptions: Sequence[Subscription],
    *,
    state: str | None,
) -> LedgerView:
    """The newest ledger rows (optionally of one state), or an empty view saying why."""
    ledger = DeliveryLedgerRepository(db, clock=clock)
    try:
        counts = await ledger.counts()
        rows = await ledger.rows(state=_state(state), limit=LEDGER_ROWS + 1)
    except SQLAlchemyError as exc:
        log.warning("console: the delivery ledger can't be read: %s", exc)
        return LedgerView(
            False,
            f"The delivery ledger cannot be read ({type(exc).__name__}); the server log says why.",
        )
    numbers = {issue.id: issue.number for issue in issues}
    addresses = {sub.id: sub.address for sub in subscriptions}
    by_state: dict[str, int] = {}
    for (_platform, row_state), count in counts.items():
        by_state[row_state] = by_state.get(row_state, 0) + count
    lines = [
        LedgerLine(
            issue=numbers.get(row.issue_id, "?"),
            revision=row.revision,
            address=addresses.get(row.subscription_id, f"subscription {row.subscription_id}"),
            unit=row.unit,
            state=row.state,
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            sent_ref=row.sent_ref,
            updated_at=row.updated_at,
            duplicates_removed=row.duplicates_removed,
        )
        for row in rows[:LEDGER_ROWS]
    ]
    return LedgerView(
        True,
        rows=lines,
        counts=[(s, by_state[s]) for s in STATES if by_state.get(s)],
        total=sum(by_state.values()),
        state=state,
        more=len(rows) > LEDGER_ROWS,
    )


@dataclass(frozen=True, slots=True)
class EveryonePlanLine:
    """How a subscription to a platform's whole audience (``line:all``) would get an issue:
    which plan, its cost (or why it is refused)."""

    platform: str
    everyone: str
    address: str
    number: int
    summary: str


async def everyone_plans(
    platforms: Mapping[str, Platform],
    subscriptions: Sequence[Subscription],
    stored: StoredIssue | None,
    name: str,
) -> list[EveryonePlanLine]:
    """The plan each active "everyone" subscription (``line:all``) would get for ``stored``,
    on the platforms that plan one; a refusal (LINE's month's quota) is shown as its message."""
    plans = []
    for every in subscriptions:
        platform = platforms.get(every.platform)
        if stored is None or platform is None or every.target != ALL or not every.active:
            continue
        if platform.planner is None or platform.publisher is None:
            continue
        key = platform.name
        reviews = {key: platform.review} if platform.review else None
        fanout = Fanout(name, {key: platform.publisher}, {key: platform.planner}, reviews)
        try:
            plan = await fanout.plan(every, stored)
            summary = plan.summary or plan.empty_reason
        except DeliveryError as exc:
            summary = f"refused: {exc}"
        except Exception as exc:  # the platform unreachable: the page still shows
            log.info("%s plan for everyone not drawn: %s", key, exc)
            continue
        everyone = registry.platform(key).everyone
        plans.append(EveryonePlanLine(key, everyone, every.address, stored.number, summary))
    return plans
