"""What an issue becomes for one subscription: its audiences (groups) and each one's units.

A Slack channel or one LINE user is one group. "Every LINE friend" (``line:all``) is split
by an audience planner the LINE adapter provides: one broadcast, a narrowcast leaving some
readers out, multicasts of up to 500 followers who chose the same sections, and pushes. The
split is stored with the rows (``DeliveryLedgerRepository.materialise``), so it is made once. A
platform may review a whole plan before any row is made (LINE checks its cost against the
month's quota and refuses a plan that would exceed it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass

from core.delivery.targets import ALL
from core.errors import DeliveryError
from core.ledger import AudienceChoice, BatchPlan, Group, GroupPlan
from core.ports import Audience, Digest, Publisher
from core.storage.issues import IssueRepository, StoredIssue
from core.storage.subscriptions import Subscription, SubscriptionRepository

# (subscription, the section keys it may get from this issue) -> its audiences.
AudiencePlanner = Callable[[Subscription, tuple[str, ...]], Awaitable[AudienceChoice]]


@dataclass(frozen=True, slots=True)
class FanoutPlan:
    """The groups of one (subscription, issue), or why there is nothing to send; ``summary``
    says which plan an "every follower" audience got and what it costs."""

    groups: tuple[GroupPlan, ...]
    empty_reason: str = ""
    summary: str = ""


# (subscription, its plan) -> the plan, its summary completed; raises DeliveryError to
# refuse it (nothing is made or sent).
PlanReview = Callable[[Subscription, FanoutPlan], Awaitable[FanoutPlan]]


class Fanout:
    """Plans groups and builds the ``Digest`` and ``Audience`` of each.

    Args:
        newsletter: the newsletter's name (``Digest.newsletter``).
        publishers: by platform; their ``plan`` names the units.
        planners: by platform, for subscriptions to every follower (``line:all``).
        reviews: by platform, a check of every "every follower" plan (its cost).
    """

    def __init__(
        self,
        newsletter: str,
        publishers: Mapping[str, Publisher],
        planners: Mapping[str, AudiencePlanner] | None = None,
        reviews: Mapping[str, PlanReview] | None = None,
    ) -> None:
        self.newsletter = newsletter
        self.publishers = dict(publishers)
        self.planners = dict(planners or {})
        self.reviews = dict(reviews or {})

    def can_plan(self, platform: str) -> bool:
        """True when this process has the platform's publisher."""
        return platform in self.publishers

    async def plan(self, subscription: Subscription, stored: StoredIssue) -> FanoutPlan:
        """The groups an issue makes for a subscription.

        Raises:
            DeliveryError: (permanent) the platform is off here, or ``all`` is not a target
                it can plan.
        """
        publisher = self._publisher(subscription.platform)
        available = chosen_sections(subscription, stored)
        if not available:
            wanted = ", ".join(subscription.sections)
            reason = f"issue {stored.number} has none of the chosen sections ({wanted})"
            return FanoutPlan((), reason)
        sections = tuple(available) if subscription.sections else ()
        if subscription.target != ALL:
            digest = self.digest(stored, sections)
            return FanoutPlan((GroupPlan(0, BatchPlan(), tuple(publisher.plan(digest))),))
        planner = self.planners.get(subscription.platform)
        if planner is None:
            raise DeliveryError(
                f"{subscription.platform} has no 'all' audience; subscribe single targets",
                platform=subscription.platform,
                retryable=False,
                code="bad_audience",
            )
        choice = await planner(subscription, tuple(available))
        groups = []
        for number, batch in enumerate(choice.batches, start=1):
            digest = self.digest(stored, batch.sections or sections)
            groups.append(GroupPlan(number, batch, tuple(publisher.plan(digest))))
        if not groups:
            return FanoutPlan((), f"no follower takes issue {stored.number}", choice.summary)
        plan = FanoutPlan(tuple(groups), summary=choice.summary)
        review = self.reviews.get(subscription.platform)
        return plan if review is None else await review(subscription, plan)

    def units(
        self, subscription: Subscription, stored: StoredIssue, batch: BatchPlan | None
    ) -> list[str]:
        """A group's units for the issue as it is now (after a correction)."""
        publisher = self._publisher(subscription.platform)
        return list(publisher.plan(self.group_digest(subscription, stored, batch)))

    def group_digest(
        self, subscription: Subscription, stored: StoredIssue, batch: BatchPlan | None
    ) -> Digest:
        """The digest one group gets."""
        if batch is not None and batch.sections:
            return self.digest(stored, batch.sections)
        available = chosen_sections(subscription, stored)
        return self.digest(stored, tuple(available) if subscription.sections else ())

    def digest(self, stored: StoredIssue, sections: tuple[str, ...]) -> Digest:
        """An issue (or some of its sections) as a ``Digest``."""
        return Digest(self.newsletter, stored.issue, sections, stored.revision)

    def audience(self, subscription: Subscription, batch: BatchPlan | None) -> Audience:
        """Who one group goes to."""
        if batch is not None and batch.recipients:
            return Audience(subscription.platform, subscription.workspace, batch.recipients)
        return Audience(subscription.platform, subscription.workspace, (subscription.target,))

    def _publisher(self, platform: str) -> Publisher:
        publisher = self.publishers.get(platform)
        if publisher is None:
            raise DeliveryError(
                f"{platform} is off in this process (its settings are missing)",
                platform=platform,
                retryable=False,
                code="platform_off",
            )
        return publisher


def chosen_sections(subscription: Subscription, stored: StoredIssue) -> list[str]:
    """The issue's section keys the subscription gets, in the issue's order."""
    keys = [section.key for section in stored.issue.sections]
    if not subscription.sections:
        return keys
    wanted = set(subscription.sections)
    return [key for key in keys if key in wanted]


class IssueCache:
    """Stored issues by database id, re-read when their revision changes.

    Thousands of groups start at once after a publication (or a restart): one of them
    reads an issue, the others wait for that read instead of each reading it.

    Args:
        issues: the repository.
        size: how many issues to keep.
    """

    def __init__(self, issues: IssueRepository, size: int = 16) -> None:
        self._issues = issues
        self._size = size
        self._cache: dict[int, StoredIssue] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def get(self, issue_id: int, revision: int | None = None) -> StoredIssue | None:
        """The issue; read again when ``revision`` is newer than the cached one."""
        cached = self._fresh(issue_id, revision)
        if cached is not None:
            return cached
        async with self._locks.setdefault(issue_id, asyncio.Lock()):
            cached = self._fresh(issue_id, revision)
            if cached is not None:
                return cached
            stored = await self._issues.get_by_id(issue_id)
            if stored is not None:
                self._cache[issue_id] = stored
                while len(self._cache) > self._size:
                    self._cache.pop(next(iter(self._cache)))
            return stored

    def _fresh(self, issue_id: int, revision: int | None) -> StoredIssue | None:
        cached = self._cache.get(issue_id)
        if cached is not None and (revision is None or cached.revision >= revision):
            return cached
        return None

    def forget(self, issue_id: int) -> None:
        """Drop an issue (it was corrected)."""
        self._cache.pop(issue_id, None)


class SubscriptionCache:
    """Subscriptions by id, kept for a few seconds (a claim re-checks that a subscription
    is active, so a pause still takes effect at the next claim).

    Args:
        subscriptions: the repository.
        ttl: seconds an entry is used.
        now: a monotonic clock.
    """

    def __init__(
        self,
        subscriptions: SubscriptionRepository,
        *,
        ttl: float = 10.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._subscriptions = subscriptions
        self._ttl = ttl
        self._now = now
        self._cache: dict[int, tuple[float, Subscription | None]] = {}

    async def get_many(self, ids: Collection[int]) -> dict[int, Subscription]:
        """The subscriptions of ``ids`` that still exist, reading those not cached at once."""
        now = self._now()
        found: dict[int, Subscription] = {}
        missing: list[int] = []
        for subscription_id in set(ids):
            hit = self._cache.get(subscription_id)
            if hit is None or now - hit[0] >= self._ttl:
                missing.append(subscription_id)
            elif hit[1] is not None:
                found[subscription_id] = hit[1]
        if missing:
            read = await self._subscriptions.get_many(missing)
            if len(self._cache) + len(missing) > 50_000:
                self._cache.clear()
            for subscription_id in missing:
                subscription = read.get(subscription_id)
                self._cache[subscription_id] = (now, subscription)
                if subscription is not None:
                    found[subscription_id] = subscription
        return found


def group_key(group: Group) -> str:
    """A short name for logs: ``sub 3 issue 7 batch 2``."""
    batch = f" batch {group.batch}" if group.batch else ""
    return f"subscription {group.subscription_id} issue {group.issue_id}{batch}"
