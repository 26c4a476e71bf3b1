"""Audience planning: the fewest requests that give every follower what they chose, once."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from bots.line.audience import MULTICAST_MAX, Follower, plan_audiences
from tests.fakes.line_api import users

SECTIONS = ("topic", "articles", "shorts", "afterword")


def test_everyone_on_the_default_is_one_broadcast() -> None:
    [plan] = plan_audiences([Follower(u) for u in users(1200)], SECTIONS)
    assert plan.audience.recipients == ("all",) and plan.sections == ()


def test_choosing_every_section_is_the_default() -> None:
    followers = [Follower(users(1)[0], SECTIONS), Follower(users(2)[1])]
    [plan] = plan_audiences(followers, SECTIONS)
    assert plan.audience.recipients == ("all",)


def test_one_different_choice_turns_the_broadcast_into_multicasts() -> None:
    default = [Follower(u) for u in users(1201)]
    lone = Follower("U" + "f" * 32, ("afterword", "topic"))
    plans = plan_audiences([*default, lone], SECTIONS)
    assert [(len(p.audience.recipients), p.sections) for p in plans] == [
        (500, ()),
        (500, ()),
        (201, ()),
        (1, ("topic", "afterword")),  # narrowed to the issue's order; a push
    ]
    assert all(p.audience.recipients != ("all",) for p in plans)


def test_followers_of_sections_the_issue_lacks_get_nothing() -> None:
    followers = [Follower("U1", ("shorts",)), Follower("U2", ("topic", "shorts"))]
    plans = plan_audiences(followers, ("topic", "afterword"))
    assert [(p.audience.recipients, p.sections) for p in plans] == [(("U2",), ("topic",))]


def test_someone_left_out_of_this_issue_rules_out_the_broadcast() -> None:
    followers = [Follower("U1"), Follower("U2"), Follower("U3", ("shorts",))]
    plans = plan_audiences(followers, ("topic", "afterword"))
    assert [(p.audience.recipients, p.sections) for p in plans] == [(("U1", "U2"), ())]


def test_no_followers_no_sends() -> None:
    assert plan_audiences([], SECTIONS) == []


def test_a_broadcast_can_be_ruled_out() -> None:
    plans = plan_audiences([Follower(u) for u in users(3)], SECTIONS, broadcast=False)
    assert [p.audience.recipients for p in plans] == [tuple(users(3))]


_choices = st.lists(st.sampled_from(SECTIONS), max_size=4).map(tuple)


@given(
    st.lists(st.tuples(st.integers(1, 2000), _choices), max_size=300),
    st.lists(st.sampled_from(SECTIONS), min_size=1, max_size=4, unique=True),
)
def test_every_follower_gets_exactly_their_sections_once(
    raw: list[tuple[int, tuple[str, ...]]], available: list[str]
) -> None:
    followers = {f"U{n:032x}": Follower(f"U{n:032x}", choice) for n, choice in raw}
    plans = plan_audiences(followers.values(), available)
    if len(plans) == 1 and plans[0].audience.recipients == ("all",):
        # A broadcast reaches every friend: only right when all take the whole issue.
        assert all(
            not set(f.sections) or set(available) <= set(f.sections) for f in followers.values()
        )
        return
    reached = Counter(u for p in plans for u in p.audience.recipients)
    assert all(count == 1 for count in reached.values())
    assert all(1 <= len(p.audience.recipients) <= MULTICAST_MAX for p in plans)
    for plan in plans:
        for user in plan.audience.recipients:
            wanted = set(followers[user].sections) & set(available) or set(available)
            assert set(plan.sections or available) == wanted
    skipped = {
        u for u, f in followers.items() if f.sections and not set(f.sections) & set(available)
    }
    assert set(reached) == set(followers) - skipped
