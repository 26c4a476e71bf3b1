"""Weekly slot trigger arithmetic on fixed instants: Asia/Tokyo and a daylight-saving zone."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.slot import WeeklySlot
from scheduler.triggers import WeeklySlotTrigger

TOKYO = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")


def trigger(text: str, zone: str) -> WeeklySlotTrigger:
    return WeeklySlotTrigger(WeeklySlot.parse(text, zone))


def test_tokyo_monday_nine_from_a_saturday() -> None:
    t = trigger("mon 09:00", "Asia/Tokyo")
    now = datetime(2025, 10, 4, 12, 0, tzinfo=TOKYO)  # Saturday
    first = t.get_next_fire_time(None, now)
    assert first == datetime(2025, 10, 6, 9, 0, tzinfo=TOKYO)
    assert first.astimezone(UTC) == datetime(2025, 10, 6, 0, 0, tzinfo=UTC)
    second = t.get_next_fire_time(first, first)
    assert second == datetime(2025, 10, 13, 9, 0, tzinfo=TOKYO)


def test_a_slot_exactly_now_fires_now_and_then_a_week_later() -> None:
    t = trigger("sat 07:00", "Asia/Tokyo")
    now = datetime(2025, 10, 4, 7, 0, tzinfo=TOKYO)
    assert t.get_next_fire_time(None, now) == now
    assert t.get_next_fire_time(now, now) == now + timedelta(days=7)


def test_a_slot_in_the_spring_forward_gap_fires_just_after_it() -> None:
    # Berlin skips 02:00-03:00 on Sunday 2025-03-30.
    t = trigger("sun 02:30", "Europe/Berlin")
    fired = t.get_next_fire_time(None, datetime(2025, 3, 29, 12, 0, tzinfo=BERLIN))
    assert fired is not None
    assert fired.astimezone(UTC) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 CEST
    following = t.get_next_fire_time(fired, fired)
    assert following == datetime(2025, 4, 6, 2, 30, tzinfo=BERLIN)


def test_a_slot_in_the_repeated_hour_fires_once_the_first_time() -> None:
    # Berlin repeats 02:00-03:00 on Sunday 2025-10-26.
    t = trigger("sun 02:30", "Europe/Berlin")
    fired = t.get_next_fire_time(None, datetime(2025, 10, 25, 12, 0, tzinfo=BERLIN))
    assert fired is not None
    assert fired.astimezone(UTC) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # 02:30 CEST
    following = t.get_next_fire_time(fired, fired + timedelta(hours=1))
    assert following is not None
    assert following.astimezone(UTC) == datetime(2025, 11, 2, 1, 30, tzinfo=UTC)


def test_the_same_wall_time_keeps_across_a_switch() -> None:
    t = trigger("mon 09:00", "Europe/Berlin")
    before = t.get_next_fire_time(None, datetime(2025, 10, 20, 0, 0, tzinfo=UTC))
    after = t.get_next_fire_time(before, before)  # type: ignore[arg-type]
    assert before is not None and after is not None
    assert before.astimezone(UTC).hour == 7 and after.astimezone(UTC).hour == 8
    assert after.astimezone(BERLIN).hour == 9


def test_missed_runs_after_downtime_collapse_to_the_last_one() -> None:
    # What APScheduler does with a job whose next run is in the past: it walks the trigger
    # to now and (coalesce) runs the last one.
    t = trigger("mon 09:00", "Asia/Tokyo")
    stored_next = datetime(2025, 10, 6, 9, 0, tzinfo=TOKYO)
    now = datetime(2025, 10, 20, 11, 0, tzinfo=TOKYO)  # down for two weeks and a bit
    runs = []
    run = stored_next
    while run is not None and run <= now:
        runs.append(run)
        run = t.get_next_fire_time(run, now)  # type: ignore[assignment]
    assert runs[-1] == datetime(2025, 10, 20, 9, 0, tzinfo=TOKYO)
    assert run == datetime(2025, 10, 27, 9, 0, tzinfo=TOKYO)


def test_it_pickles_to_plain_values_and_compares_by_slot() -> None:
    t = trigger("fri 18:30", "America/New_York")
    state = t.__getstate__()
    assert state == {"version": 1, "weekday": 4, "at": "18:30", "zone": "America/New_York"}
    back = pickle.loads(pickle.dumps(t))
    assert back == t and str(back) == "weekly[fri 18:30 America/New_York]"
    assert back != trigger("fri 18:31", "America/New_York")


def test_the_slot_a_moment_belongs_to_is_the_last_firing_at_or_before_it() -> None:
    slot = WeeklySlot.parse("sun 02:30", "Europe/Berlin")  # 2025-03-30 falls in the gap
    t = WeeklySlotTrigger(slot)
    fired = t.get_next_fire_time(None, datetime(2025, 3, 20, tzinfo=BERLIN))
    for _ in range(4):
        assert fired is not None
        assert slot.last_at_or_before(fired) == fired  # the firing itself
        assert slot.last_at_or_before(fired + timedelta(hours=12)) == fired
        later = t.get_next_fire_time(fired, fired)
        assert later is not None
        assert slot.last_at_or_before(later - timedelta(microseconds=1)) == fired
        fired = later
