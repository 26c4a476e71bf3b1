"""How every friend of the LINE account gets one digest, at the least cost.

``line:all`` means every friend, including those who never wrote to the bot. Readers haishin
knows may be exceptions: they chose their own sections, opted out, have a subscription of
their own, or chose only sections this issue lacks. The plans:

- **broadcast**: nobody is an exception: one request reaches every friend.
- **narrowcast**: every friend but an audience group of the exceptions, plus multicasts
  (or pushes) of their own choices. LINE fails a narrowcast naming an audience under 50
  people, so a smaller exception list is padded with readers who take the default digest,
  who then get it by multicast instead.
- **multicast**: every known reader by multicast/push, grouped by choice: it reaches every
  friend only when every friend is known (LINE's friend count is no more than the readers
  haishin knows, e.g. after ``haishin line followers sync``).

LINE counts one message per recipient of each request whatever the endpoint, so the costs
differ only by who is reached; among plans reaching every friend the one with the fewest
messages, then the fewest requests, wins. When no plan reaches every friend (too few known
readers to fill an audience and friends haishin doesn't know), the multicast plan is used
and the summary says who is missed and why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bots.line.audience import EVERYONE, MULTICAST_MAX, AudiencePlan, SectionChoice, narrow_choice
from bots.line.audience_groups import AUDIENCE_MINIMUM, UPLOAD_MAX
from core.ports import Audience

EXCEPT = "all-except"  # recipients ("all-except", *user ids): a narrowcast leaving them out


@dataclass(frozen=True, slots=True)
class FriendPlan:
    """The sends of one issue to every friend, which plan they are, and their cost."""

    kind: str  # broadcast, narrowcast or multicast
    sends: tuple[AudiencePlan, ...]
    messages: int | None  # per unit (None: the friend count is unknown)
    requests: int
    summary: str


def is_narrowcast(recipients: Sequence[str]) -> bool:
    """True for the recipients of a narrowcast to every friend but some."""
    return bool(recipients) and recipients[0] == EXCEPT


def reach(recipients: Sequence[str], friends: int) -> int:
    """How many people a send's recipients reach, given the friend count."""
    if tuple(recipients) == EVERYONE:
        return friends
    if is_narrowcast(recipients):
        return max(0, friends - (len(recipients) - 1))
    return len(recipients)


def plan_friends(
    takers: Iterable[SectionChoice],
    *,
    withheld: Iterable[str] = (),
    available: Sequence[str] | None = None,
    friends: int | None = None,
) -> FriendPlan:
    """The cheapest plan that gives every friend the digest they should get.

    Args:
        takers: known readers this subscription serves, with their section choices.
        withheld: known readers who get nothing from it (opted out, own subscription).
        available: the issue's section keys (a choice is narrowed to them).
        friends: LINE's count of friends a broadcast reaches (None: unknown).
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    left_out = dict.fromkeys(withheld)
    for taker in takers:
        choice = narrow_choice(taker.sections, available)
        if choice is None:
            left_out[taker.user_id] = None
        elif taker.user_id not in left_out:
            groups.setdefault(choice, []).append(taker.user_id)
    default = groups.pop((), [])
    chosen = {choice: users for choice, users in groups.items() if users}
    exceptions = list(left_out) + [u for users in chosen.values() for u in users]
    known = len(default) + len(exceptions)
    count = f"{friends:,} friends" if friends is not None else "the friends (count unknown)"
    if not exceptions:
        return FriendPlan(
            "broadcast",
            (AudiencePlan(Audience("line", None, EVERYONE), ()),),
            friends if friends is not None else len(default),
            1,
            f"broadcast: one request to all {count}",
        )
    own = _multicasts(chosen)
    own_messages = sum(len(users) for users in chosen.values())
    multicast = _multicasts({(): default, **chosen})
    by_multicast = FriendPlan(
        "multicast",
        tuple(multicast),
        known - len(left_out),
        len(multicast),
        f"multicast to the {known - len(left_out):,} known readers by their choices "
        f"({len(multicast)} request(s))",
    )
    unknown = None if friends is None else max(0, friends - known)
    if known < AUDIENCE_MINIMUM:
        if unknown == 0:
            return by_multicast
        missed = "the friends it doesn't know" if unknown is None else f"{unknown:,} friends"
        return _note(
            by_multicast,
            f"; {missed} get nothing: {len(exceptions)} reader(s) must be left out and LINE "
            f"leaves out only audiences of {AUDIENCE_MINIMUM} or more, and haishin knows "
            f"only {known} reader(s) (`haishin line followers sync` may name the rest)",
        )
    padding = default[: max(0, AUDIENCE_MINIMUM - len(exceptions))]
    audience = exceptions + padding
    padded = _multicasts({(): padding}) if padding else []
    uploads = math.ceil(len(audience) / UPLOAD_MAX)
    # audience upload(s) + a readiness check + the narrowcast + at least one progress look
    requests = uploads + 3 + len(padded) + len(own)
    messages = None if friends is None else max(0, friends - len(audience))
    narrow = AudiencePlan(Audience("line", None, (EXCEPT, *audience)), ())
    extra = f" ({len(padding)} default readers added to reach LINE's {AUDIENCE_MINIMUM})"
    by_narrowcast = FriendPlan(
        "narrowcast",
        (narrow, *padded, *own),
        None if messages is None else messages + len(padding) + own_messages,
        requests,
        f"narrowcast to every friend but an audience of {len(audience):,}"
        + (extra if padding else "")
        + f", plus {len(padded) + len(own)} multicast/push request(s) of their own digests",
    )
    if unknown == 0 and (by_multicast.messages, by_multicast.requests) <= (
        by_narrowcast.messages or 0,
        by_narrowcast.requests,
    ):
        return by_multicast
    return by_narrowcast


def _multicasts(groups: dict[tuple[str, ...], list[str]]) -> list[AudiencePlan]:
    plans: list[AudiencePlan] = []
    for choice in sorted(groups, key=lambda c: (len(c) > 0, c)):
        users = groups[choice]
        for start in range(0, len(users), MULTICAST_MAX):
            chunk = tuple(users[start : start + MULTICAST_MAX])
            plans.append(AudiencePlan(Audience("line", None, chunk), choice))
    return plans


def _note(plan: FriendPlan, more: str) -> FriendPlan:
    return FriendPlan(plan.kind, plan.sends, plan.messages, plan.requests, plan.summary + more)
