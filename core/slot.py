"""Weekly slots ("sat 09:00" in a time zone): when a digest goes out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_JA_WEEKDAYS = ("月", "火", "水", "木", "金", "土", "日")
_SLOT = re.compile(r"^\s*(?P<day>[^\s\d]+)\s+(?P<hh>\d{1,2}):(?P<mm>\d{2})\s*$")


def parse_time(text: str, *, what: str = "time") -> time:
    """Parse ``HH:MM`` (24-hour) or raise ConfigError saying what was expected."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f"{what} {text!r} is not a time; write it as HH:MM, e.g. 09:00")
    return time(int(match[1]), int(match[2]))


def parse_weekday(text: str) -> int:
    """Monday=0 ... Sunday=6 from ``mon``/``monday``/``月``/``月曜``; ConfigError otherwise."""
    word = text.strip().casefold()
    for index, name in enumerate(_WEEKDAY_NAMES):
        if len(word) >= 3 and name.startswith(word):
            return index
    for index, name in enumerate(_JA_WEEKDAYS):
        if word in (name, name + "曜", name + "曜日"):
            return index
    raise ConfigError(f"weekday {text!r} is not one of {', '.join(WEEKDAYS)}")


def parse_zone(name: str) -> ZoneInfo:
    """A ZoneInfo for an IANA name, or ConfigError naming what is wrong."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"time zone {name!r} is not an IANA zone name; use e.g. Asia/Tokyo or Europe/Berlin"
        ) from None


@dataclass(frozen=True, slots=True)
class WeeklySlot:
    """A weekday and wall-clock time in a time zone."""

    weekday: int
    at: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, text: str, zone: ZoneInfo | str) -> WeeklySlot:
        """Parse ``"sat 09:00"`` (or ``"土 9:00"``) in a zone."""
        match = _SLOT.match(text)
        if not match:
            raise ConfigError(
                f"weekly slot {text!r} is not of the form 'weekday HH:MM', e.g. 'mon 09:00'"
            )
        tz = parse_zone(zone) if isinstance(zone, str) else zone
        at = parse_time(f"{match['hh']}:{match['mm']}", what="slot time")
        return cls(weekday=parse_weekday(match["day"]), at=at, zone=tz)

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.at:%H:%M} {self.zone.key}"

    def next_after(self, instant: datetime) -> datetime:
        """The first slot strictly after ``instant`` (aware), as an aware datetime in the zone.

        A wall-clock time that a daylight-saving switch skips is moved forward past the gap;
        one that happens twice is taken the first time.
        """
        local = instant.astimezone(self.zone)
        day = local.date() + timedelta(days=(self.weekday - local.weekday()) % 7)
        for _ in range(3):
            candidate = _resolve(datetime.combine(day, self.at), self.zone)
            if candidate > instant:
                return candidate
            day += timedelta(days=7)
        raise AssertionError("unreachable: a later week always has a slot")

    def last_at_or_before(self, instant: datetime) -> datetime:
        """The latest slot at or before ``instant`` (aware): the one a digest at
        ``instant`` belongs to."""
        slot = self.next_after(instant - timedelta(days=8))
        while (later := self.next_after(slot)) <= instant:
            slot = later
        return slot


def _resolve(wall: datetime, zone: ZoneInfo) -> datetime:
    first = wall.replace(tzinfo=zone, fold=0)
    # A time inside a spring-forward gap does not round-trip through UTC; move past the gap.
    round_trip = first.astimezone(ZoneInfo("UTC")).astimezone(zone)
    if round_trip.replace(tzinfo=None) != wall:
        return round_trip
    return first
