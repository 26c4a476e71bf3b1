"""Dates as publishers write them: front matter, feeds' own words, the profile's format.

Accepted, with or without a time of day where one makes sense:

- ISO 8601 and its cousins: ``2026-08-19``, ``2026-08-19T07:00:00+09:00``, ``2026/08/19``,
  ``2026.8.19``, ``2026-08-19 07:00:00 +0900`` (Jekyll), ``20260819``;
- RFC 2822 (feeds, mail): ``Wed, 19 Aug 2026 07:00:00 +0900``;
- English words: ``August 19, 2026``, ``Aug. 19 2026``, ``19 Aug 2026``, ``Wednesday, 19 August
  2026``;
- CJK: ``2026年8月19日`` (``(水)`` and a time may follow), ``2026년 8월 19일``;
- ``MM-DD-YYYY`` and ``DD-MM-YYYY`` (also with ``/`` or ``.``) when only one reading is a
  date, when only one reading is the date the file name gives, or when the profile's
  ``date_format`` says which.

Anything else raises ``DateProblem`` with the reason, for the caller's message.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

Stamp = date | datetime

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_TIME = r"(?:[T\s]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?)?"
_ZONE = r"\s*(?P<z>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
_YMD = re.compile(
    rf"^(?P<y>\d{{4}})(?P<sep>[-/.])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}}){_TIME}{_ZONE}$",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_NUMERIC = re.compile(
    rf"^(?P<a>\d{{1,2}})(?P<sep>[-/.])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}){_TIME}$"
)
_CJK = re.compile(
    r"^(?P<y>\d{4})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일号號]?"
    r"\s*(?:[(（][^)）]{1,4}[)）])?"
    r"(?:\s*(?P<h>\d{1,2})\s*[:時시]\s*(?P<mi>\d{1,2})\s*分?)?$"
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_MONTH_FIRST = re.compile(
    rf"^{_WEEKDAY}(?P<mon>[a-z]{{3,9}})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})"
    rf"(?:,?\s+(?:at\s+)?(?P<h>\d{{1,2}}):(?P<mi>\d{{2}}))?$",
    re.IGNORECASE,
)
_DAY_FIRST = re.compile(
    rf"^{_WEEKDAY}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?P<mon>[a-z]{{3,9}})\.?,?\s+(?P<y>\d{{4}})"
    rf"(?:,?\s+(?P<h>\d{{1,2}}):(?P<mi>\d{{2}}))?$",
    re.IGNORECASE,
)


class DateProblem(ValueError):
    """A text that is not a date we can read; ``str()`` says why, for the editor."""


def read_when(
    value: Any,
    *,
    zone: ZoneInfo,
    date_format: str | None = None,
    near: date | None = None,
) -> Stamp:
    """A date, or a date and time, from a front matter value or a feed's text.

    Args:
        value: the raw value (text, or a number such as YAML's ``20260819``).
        zone: the newsletter's time zone; an aware time is moved into it.
        date_format: the profile's ``strptime`` format (``Profile.date_format``), tried first.
        near: the date the file name gives, which settles ``08-07-2026``.

    Returns:
        A ``date`` when no time of day is given, else a ``datetime`` (aware when the text
        names an offset, else naive: the caller knows the zone it is in).

    Raises:
        DateProblem: the value is not a date in any form we read; the message says why.
    """
    if isinstance(value, datetime):
        return _into(value, zone)
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DateProblem("is not a date")
    text = " ".join(str(value).split())
    if not text:
        raise DateProblem("is empty")
    if date_format is not None:
        try:
            stamp = datetime.strptime(text, date_format)
        except ValueError:
            pass
        else:
            return stamp if _has_time(date_format) else stamp.date()
    for reader in (_iso, _cjk, _words, _rfc2822):
        found = reader(text)
        if found is not None:
            return _into(found, zone)
    match = _NUMERIC.match(text)
    if match:
        return _into(_numeric(match, near), zone)
    raise DateProblem("is not a date in a form we read")


def _into(stamp: Stamp, zone: ZoneInfo) -> Stamp:
    if isinstance(stamp, datetime) and stamp.tzinfo is not None:
        try:
            return stamp.astimezone(zone)
        except OverflowError:  # year 1 or 9999 moved off the calendar: the range check says so
            return stamp
    return stamp


def _has_time(fmt: str) -> bool:
    return any(d in fmt for d in ("%H", "%I", "%M"))


def _build(
    y: str, m: int | str, d: str, h: str | None = None, mi: str | None = None, s: str | None = None
) -> Stamp:
    try:
        day = date(int(y), int(m), int(d))
        if h is None:
            return day
        return datetime.combine(day, time(int(h), int(mi or 0), int(s or 0)))
    except ValueError as exc:
        raise DateProblem(f"is not a real date ({exc})") from None


def _iso(text: str) -> Stamp | None:
    match = _YMD.match(text) or _COMPACT.match(text)
    if match is None:
        return None
    parts = match.groupdict()
    stamp = _build(
        parts["y"], parts["m"], parts["d"], parts.get("h"), parts.get("mi"), parts.get("s")
    )
    zone = parts.get("z")
    if zone and isinstance(stamp, datetime):
        stamp = stamp.replace(tzinfo=_offset(zone))
    return stamp


def _offset(text: str) -> tzinfo:
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _cjk(text: str) -> Stamp | None:
    match = _CJK.match(text)
    if match is None:
        return None
    return _build(match["y"], match["m"], match["d"], match["h"], match["mi"])


def _words(text: str) -> Stamp | None:
    match = _MONTH_FIRST.match(text) or _DAY_FIRST.match(text)
    if match is None:
        return None
    month = _MONTHS.get(match["mon"].casefold())
    if month is None:
        raise DateProblem(f"names no month we know ({match['mon']!r})")
    return _build(match["y"], month, match["d"], match["h"], match["mi"])


def _rfc2822(text: str) -> Stamp | None:
    if not re.search(r"\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}", text):
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None


def _numeric(match: re.Match[str], near: date | None) -> Stamp:
    a, b, year = int(match["a"]), int(match["b"]), match["y"]
    rest = (match["h"], match["mi"], match["s"])
    month_first = _valid(year, a, b)
    day_first = _valid(year, b, a)
    if month_first and day_first and a != b:
        readings = {date(int(year), a, b): (a, b), date(int(year), b, a): (b, a)}
        if near in readings:
            month, day = readings[near]
            return _build(year, month, str(day), *rest)
        raise DateProblem(
            f"could be {date(int(year), a, b):%B} {b} or {date(int(year), b, a):%B} {a}"
        )
    if month_first:
        return _build(year, a, str(b), *rest)
    if day_first:
        return _build(year, b, str(a), *rest)
    raise DateProblem("is not a real date (no month is over 12)")


def _valid(year: str, month: int, day: int) -> bool:
    try:
        date(int(year), month, day)
    except ValueError:
        return False
    return True
