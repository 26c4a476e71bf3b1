"""Who gets a digest, in the fewest LINE requests: broadcast, multicast or push.

Every LINE send costs one message per recipient whatever the endpoint, so the quota is the
same; what differs is the number of requests and their rate limits. A broadcast reaches every
friend in one request (60 an hour), a multicast up to 500 chosen users (200 a second), a push
one. A broadcast reaches everyone, so it is used only when every follower takes the same
(default) digest; mixing it with multicasts would send some people two digests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from core.delivery import BatchPlan
from core.delivery.fanout import AudiencePlanner
from core.ports import Audience
from core.storage import Subscription, SubscriptionRepository

if TYPE_CHECKING:
    from bots.line.followers import LineAudienceBook
    from core.storage.database import Database

MULTICAST_MAX = 500
EVERYONE = ("all",)


class SectionChoice(Protocol):
    """A follower and the sections they chose (empty: every section); ``LineFollower`` is one."""

    @property
    def user_id(self) -> str: ...

    @property
    def sections(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Follower:
    """A plain ``SectionChoice``."""

    user_id: str
    sections: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AudiencePlan:
    """One send: to whom, and which sections of the issue (empty: all of them)."""

    audience: Audience
    sections: tuple[str, ...]


def plan_audiences(
    followers: Iterable[SectionChoice],
    available: Sequence[str] | None = None,
    *,
    broadcast: bool = True,
) -> list[AudiencePlan]:
    """The cheapest set of sends that gives every follower the sections they chose.

    Args:
        followers: the active followers and their choices.
        available: the section keys the issue has, in order. A choice is narrowed to them:
            a follower whose sections are all missing gets nothing, one who chose every
            available section counts as taking the default. None: choices are taken as is.
        broadcast: False when a broadcast must not be used (someone who follows has opted
            out, and a broadcast reaches every friend).

    Returns:
        One broadcast when every follower takes the default (and nobody is left out of
        this issue); otherwise one group per
        distinct choice, cut into multicasts of at most 500, a lone follower as a push.
        Deterministic: the default group first, then choices in order; users in given order.
    """
    groups: dict[tuple[str, ...], dict[str, None]] = {}
    left_out = False
    for follower in followers:
        choice = _narrow(follower.sections, available)
        if choice is None:
            left_out = True  # a broadcast would reach them all the same
        else:
            groups.setdefault(choice, {})[follower.user_id] = None
    if not groups:
        return []
    if broadcast and not left_out and set(groups) == {()}:
        return [AudiencePlan(Audience("line", None, EVERYONE), ())]
    plans: list[AudiencePlan] = []
    for choice in sorted(groups, key=lambda c: (len(c) > 0, c)):
        users = list(groups[choice])
        for start in range(0, len(users), MULTICAST_MAX):
            chunk = tuple(users[start : start + MULTICAST_MAX])
            plans.append(AudiencePlan(Audience("line", None, chunk), choice))
    return plans


def _narrow(sections: Sequence[str], available: Sequence[str] | None) -> tuple[str, ...] | None:
    if not sections:
        return ()
    chosen = set(sections)
    if available is None:
        return tuple(sorted(chosen))
    kept = tuple(key for key in available if key in chosen)
    if not kept:
        return None
    return () if len(kept) == len(set(available)) else kept


def line_planner(book: LineAudienceBook, db: Database) -> AudiencePlanner:
    """Plans ``line:all``: broadcast, multicasts of one section choice, pushes; never a
    broadcast when someone must be left out (a follower who opted out, who has a
    subscription of their own, or whose sections this issue lacks)."""
    subscriptions = SubscriptionRepository(db)

    async def plan(subscription: Subscription, available: tuple[str, ...]) -> list[BatchPlan]:
        followers = await book.active()
        own = {
            s.target
            for s in await subscriptions.list(platform="line")
            if s.target != "all" and s.id != subscription.id
        }
        # Someone with a subscription of their own gets that one, not this one too.
        kept = [f for f in followers if f.user_id not in own]
        broadcast = len(kept) == len(followers) and not await book.opted_out()
        plans = plan_audiences(kept, list(available), broadcast=broadcast)
        return [BatchPlan(p.audience.recipients, p.sections) for p in plans]

    return plan
