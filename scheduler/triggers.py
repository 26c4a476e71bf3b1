"""A weekly slot as an APScheduler trigger, so the scheduler and ``haishin schedule`` agree.

The arithmetic is ``core.slot.WeeklySlot.next_after`` (a wall-clock time a daylight-saving
switch skips moves past the gap; one that happens twice fires the first time). The trigger
pickles to plain values (weekday, ``HH:MM``, zone name), so stored jobs survive upgrades.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from core.slot import WeeklySlot, parse_time

_VERSION = 1


class WeeklySlotTrigger(BaseTrigger):  # type: ignore[misc]  # apscheduler has no types
    """Fires at a ``WeeklySlot``: every week, on its weekday, at its time in its zone."""

    __slots__ = ("slot",)

    def __init__(self, slot: WeeklySlot) -> None:
        self.slot = slot

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The first slot after the previous firing, or from ``now`` on (inclusive)."""
        if previous_fire_time is not None:
            return self.slot.next_after(previous_fire_time)
        return self.slot.next_after(now - timedelta(microseconds=1))

    def __getstate__(self) -> dict[str, Any]:
        slot = self.slot
        return {
            "version": _VERSION,
            "weekday": slot.weekday,
            "at": f"{slot.at:%H:%M}",
            "zone": slot.zone.key,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.get("version", 1) > _VERSION:
            raise ValueError(
                f"stored weekly trigger has version {state['version']}; this haishin knows "
                f"up to {_VERSION} (was the database used by a newer haishin?)"
            )
        self.slot = WeeklySlot(
            weekday=int(state["weekday"]),
            at=parse_time(str(state["at"])),
            zone=ZoneInfo(str(state["zone"])),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WeeklySlotTrigger) and other.slot == self.slot

    def __hash__(self) -> int:
        return hash(self.slot)

    def __str__(self) -> str:
        return f"weekly[{self.slot}]"

    def __repr__(self) -> str:
        return f"<WeeklySlotTrigger ({self.slot})>"
