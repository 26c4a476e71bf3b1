"""``line:all`` planned for every friend (``reach.plan_friends``) and checked against the
month's quota before any row is made.

The cost of a plan is what LINE will count: a broadcast, every friend (LINE's insight count,
at least the readers haishin knows); a narrowcast, every friend but its audience; a multicast
or push, its recipients; each times the units sent (the digest, and its posts when they are
sent too). A plan costing more than the month has left is refused with the numbers, so no
reader gets a digest the rest can't.
"""

from __future__ import annotations

import logging

from bots.line.followers import LineAudienceBook
from bots.line.friends import FriendCount
from bots.line.quota import QuotaGuard
from bots.line.reach import is_narrowcast, plan_friends, reach
from core.delivery.fanout import FanoutPlan
from core.errors import DeliveryError
from core.ledger import AudienceChoice, BatchPlan
from core.storage.database import Database
from core.storage.subscriptions import Subscription, SubscriptionRepository

log = logging.getLogger("haishin.line")


class LineFriendPlanner:
    """Plans and reviews ``line:all`` (see the module docstring).

    Args:
        book: the known followers.
        db: subscriptions (readers with their own subscription are left out of ``all``).
        friends: LINE's friend count (None: only known followers are counted).
        quota: the month's quota (None: not checked before sending).
    """

    def __init__(
        self,
        book: LineAudienceBook,
        db: Database,
        *,
        friends: FriendCount | None = None,
        quota: QuotaGuard | None = None,
    ) -> None:
        self.book = book
        self.subscriptions = SubscriptionRepository(db)
        self.friends = friends
        self.quota = quota

    async def friend_count(self) -> int | None:
        """LINE's count of friends, if it gave one lately."""
        if self.friends is None:
            return None
        try:
            return await self.friends.estimate()
        except Exception as exc:  # the estimate is best effort; the known count stands in
            log.info("LINE friend count not read: %s", exc)
            return None

    async def reach(self) -> int:
        """How many people a broadcast reaches: LINE's count, at least the known readers."""
        return max(await self.friend_count() or 0, await self.book.count())

    async def plan(self, subscription: Subscription, available: tuple[str, ...]) -> AudienceChoice:
        """The sends of one issue to every friend (an ``AudiencePlanner``)."""
        followers = await self.book.active()
        own = {
            s.target
            for s in await self.subscriptions.list(platform="line")
            if s.target != "all" and s.id != subscription.id
        }
        withheld = [*await self.book.opted_out_ids(), *sorted(own)]
        plan = plan_friends(
            [f for f in followers if f.user_id not in own],
            withheld=withheld,
            available=list(available),
            friends=await self.friend_count(),
        )
        batches = tuple(BatchPlan(p.audience.recipients, p.sections) for p in plan.sends)
        return AudienceChoice(batches, plan.summary)

    async def review(self, subscription: Subscription, plan: FanoutPlan) -> FanoutPlan:
        """The plan with its cost in its summary, or a refusal when the month can't pay.

        Raises:
            DeliveryError: (permanent, ``quota_exceeded``) the plan needs more messages
                than remain this month; nothing was made or sent.
        """
        friends = await self.reach()
        cost = sum(reach(g.audience.recipients, friends) * len(g.units) for g in plan.groups)
        broad = any(
            g.audience.recipients == ("all",) or is_narrowcast(g.audience.recipients)
            for g in plan.groups
        )
        about = "about " if broad else ""
        if self.quota is None:
            return _with(plan, f"; {about}{cost:,} message(s)")
        try:
            status = await self.quota.status()
        except DeliveryError as exc:
            return _with(plan, f"; {about}{cost:,} message(s) (quota not checked: {exc})")
        if status.remaining is None:
            return _with(plan, f"; {about}{cost:,} message(s), no monthly limit")
        if cost > status.remaining:
            raise DeliveryError(
                f"LINE monthly quota: this plan ({plan.summary}) needs {about}{cost:,} "
                f"messages but only {status.remaining:,} of {status.limit:,} remain this "
                f"month ({status.used:,} used). Nothing was sent. Raise the channel's "
                "message limit in LINE Official Account Manager, or wait for next month.",
                platform="line",
                retryable=False,
                code="quota_exceeded",
            )
        return _with(
            plan,
            f"; {about}{cost:,} message(s) of the {status.remaining:,} left this month "
            f"({status.used:,} of {status.limit:,} used)",
        )


def _with(plan: FanoutPlan, more: str) -> FanoutPlan:
    return FanoutPlan(plan.groups, plan.empty_reason, plan.summary + more)
