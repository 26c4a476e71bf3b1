"""Planning ``line:all``: every friend gets exactly the digest they should, once, in the
fewest messages and then the fewest requests (``bots.line.reach.plan_friends``)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from bots.line.audience import MULTICAST_MAX, Follower
from bots.line.reach import EXCEPT, plan_friends
from tests.fakes.line_api import users

SECTIONS = ("topic", "articles", "shorts", "afterword")


def recipients(plan: object) -> list[tuple[str, ...]]:
    return [s.audience.recipients for s in plan.sends]  # type: ignore[attr-defined]


def test_everyone_on_the_default_is_one_broadcast_known_or_not() -> None:
    plan = plan_friends([], available=SECTIONS, friends=5000)
    assert plan.kind == "broadcast" and recipients(plan) == [("all",)]
    assert plan.messages == 5000 and plan.requests == 1
    known = plan_friends([Follower(u) for u in users(1200)], available=SECTIONS, friends=5000)
    assert known.kind == "broadcast"


def test_choosing_every_section_is_the_default() -> None:
    plan = plan_friends([Follower(users(1)[0], SECTIONS)], available=SECTIONS, friends=10)
    assert plan.kind == "broadcast"


def test_readers_with_choices_are_left_out_of_a_narrowcast() -> None:
    ids = users(100)
    readers = [Follower(u, ("topic",) if i < 60 else ()) for i, u in enumerate(ids)]
    plan = plan_friends(readers, available=SECTIONS, friends=10_000)
    assert plan.kind == "narrowcast"
    first, *rest = plan.sends
    assert first.audience.recipients == (EXCEPT, *ids[:60])
    assert [(len(s.audience.recipients), s.sections) for s in rest] == [(60, ("topic",))]
    assert plan.messages == 10_000 - 60 + 60
    assert plan.requests == 1 + 3 + 1


def test_a_short_exception_list_is_filled_up_to_lines_50() -> None:
    ids = users(80)
    readers = [Follower(u) for u in ids]
    plan = plan_friends(readers, withheld=[ids[0]], available=SECTIONS, friends=1000)
    first, padded = plan.sends
    assert len(first.audience.recipients) - 1 == 50
    assert padded.audience.recipients == tuple(ids[1:50]) and padded.sections == ()
    assert plan.messages == (1000 - 50) + 49  # the opted-out reader gets nothing


def test_too_few_known_readers_to_leave_out_says_who_is_missed() -> None:
    ids = users(10)
    plan = plan_friends([Follower(u) for u in ids], withheld=[ids[0]], friends=500)
    assert plan.kind == "multicast"
    assert recipients(plan) == [tuple(ids[1:])]
    assert "490 friends get nothing" in plan.summary and "50" in plan.summary


def test_when_every_friend_is_known_the_cheaper_in_requests_wins() -> None:
    few = [Follower(u, ("topic",) if i < 3 else ()) for i, u in enumerate(users(900))]
    small = plan_friends(few, available=SECTIONS, friends=900)
    assert small.kind == "multicast"  # 2 + 1 requests against a narrowcast's 4 + 1
    many = [Follower(u, ("topic",) if i < 3 else ()) for i, u in enumerate(users(5000))]
    large = plan_friends(many, available=SECTIONS, friends=5000)
    assert large.kind == "narrowcast" and large.messages == 5000


def test_followers_of_sections_the_issue_lacks_get_nothing() -> None:
    readers = [Follower(u, ("afterword",)) for u in users(3)]
    plan = plan_friends(readers, available=("topic",), friends=3)
    assert plan.kind == "multicast" and plan.sends == ()


_choices = st.lists(st.sampled_from(SECTIONS), max_size=4).map(tuple)


@given(
    st.lists(st.tuples(st.integers(1, 2000), _choices, st.booleans()), max_size=300),
    st.lists(st.sampled_from(SECTIONS), min_size=1, max_size=4, unique=True),
    st.integers(0, 3000),
)
def test_every_friend_gets_exactly_their_sections_once(
    raw: list[tuple[int, tuple[str, ...], bool]], available: list[str], unknown: int
) -> None:
    readers = {f"U{n:032x}": Follower(f"U{n:032x}", choice) for n, choice, _ in raw}
    off = {f"U{n:032x}" for n, _, stop in raw if stop}
    strangers = [f"S{n:032x}" for n in range(unknown)]
    plan = plan_friends(
        [r for u, r in readers.items() if u not in off],
        withheld=sorted(off),
        available=available,
        friends=len(readers) + unknown,
    )
    everyone = [*readers, *strangers]
    got: Counter[str] = Counter()
    sections: dict[str, tuple[str, ...]] = {}
    for send in plan.sends:
        who = send.audience.recipients
        assert who == ("all",) or who[0] == EXCEPT or 1 <= len(who) <= MULTICAST_MAX
        if who == ("all",):
            reached = everyone
        elif who[0] == EXCEPT:
            reached = [u for u in everyone if u not in set(who[1:])]
        else:
            reached = list(who)
        for user in reached:
            got[user] += 1
            sections[user] = send.sections
    assert all(n == 1 for n in got.values())
    for user, reader in readers.items():
        wanted = set(reader.sections) & set(available)
        if user in off or (reader.sections and not wanted):
            assert got[user] == 0
        else:
            assert set(sections[user] or available) == (wanted or set(available))
    if plan.kind != "multicast" or not plan.summary.count("get nothing"):
        assert all(got[u] == 1 for u in strangers)
