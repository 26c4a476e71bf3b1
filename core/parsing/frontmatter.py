"""Issue facts from outside the body: YAML front matter, Pelican metadata, the file name.

Front matter (``title``, ``number``, ``date``, ``publish_at``) overrides what the file name
says. Other keys that Jekyll, Hugo or Pelican put there (``tags``, ``categories``,
``description``, ``layout``…) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import yaml

from core.errors import ContentError
from core.model import FIRST_YEAR, LAST_YEAR, MAX_ISSUE_NUMBER
from core.parsing.elements import IssueMeta
from core.profile import Profile

_NAME_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:\D|$)")
_PELICAN_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_ -]*?)\s*:\s*(.*)$")
_PELICAN_FIRST_KEYS = frozenset(
    [
        "title",
        "number",
        "date",
        "publish_at",
        "category",
        "tags",
        "slug",
        "author",
        "authors",
        "summary",
        "modified",
        "lang",
        "status",
        "template",
    ]
)
_FENCE = "---"
_YAML_KEY = re.compile(r"^[\w\"'][^:]*:(?:\s|$)")


# libyaml's parser when the wheel has it: the pure-Python one costs more than a whole issue.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[valid-type,misc]
    """Safe YAML that leaves dates as text, so a bad one gets our message, not a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def meta_from_name(name: str) -> IssueMeta:
    """The date a file name gives: ``2025-10-04.txt``, ``2025-10-04-slug.md``, ``2026/07/19.md``."""
    path = PurePath(name)
    match = _NAME_DATE.match(path.name)
    if match:
        parts = match.groups()
    else:
        tail = [*path.parent.parts[-2:], path.stem]
        if len(tail) < 3 or not all(p.isdigit() for p in tail) or len(tail[0]) != 4:
            return IssueMeta()
        parts = (tail[0], tail[1], tail[2])
    try:
        day = date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return IssueMeta()
    return IssueMeta(date=day) if FIRST_YEAR <= day.year <= LAST_YEAR else IssueMeta()


def split_front_matter(text: str, *, name: str, profile: Profile) -> tuple[IssueMeta, str, int]:
    """Separate the front matter from the body.

    Args:
        text: the decoded file.
        name: the file name, for messages.
        profile: gives the time zone for dates and times written without one.

    Returns:
        The facts the front matter gives, the body, and how many lines precede the body.

    Raises:
        ContentError: the front matter is not valid YAML, or a field has the wrong type; the
            message gives the line.
    """
    lines = text.split("\n")
    if lines and lines[0].rstrip() == _FENCE:
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in (_FENCE, "...")), None)
        # Without a closing fence, or without a "key:" first, the dashes are a separator.
        if end is not None and _looks_like_yaml(lines[1:end]):
            raw = _load_yaml("\n".join(lines[1:end]), name=name)
            meta = _meta(raw, lines[1:end], name=name, profile=profile, first_line=2)
            return meta, "\n".join(lines[end + 1 :]), end + 1
    pelican = _pelican(lines)
    if pelican is not None:
        raw, count = pelican
        meta = _meta(raw, lines[:count], name=name, profile=profile, first_line=1)
        return meta, "\n".join(lines[count:]), count
    return IssueMeta(), text, 0


def _looks_like_yaml(block: list[str]) -> bool:
    first = next((line for line in block if line.strip() and not line.startswith("#")), None)
    return first is None or _YAML_KEY.match(first) is not None


def _load_yaml(block: str, *, name: str) -> dict[str, Any]:
    try:
        raw = yaml.load(block, Loader=_Loader)
    except ValueError:  # an integer of thousands of digits, which Python refuses to read
        digits = re.search(r"\d{1000,}", block)
        raise ContentError(
            "front matter holds a number too long to read"
            + (f" ({len(digits[0])} digits)" if digits else ""),
            path=name,
            line=block.count("\n", 0, digits.start()) + 2 if digits else None,
            hint=f"issue numbers run from 1 to {MAX_ISSUE_NUMBER}; put text that is only "
            "digits in quotes",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(
            f"front matter is not valid YAML: {problem}",
            path=name,
            # A problem found at the end of the block (an unclosed bracket) is reported on
            # its last line rather than on the closing fence.
            line=min(mark.line, max(block.count("\n"), 0)) + 2 if mark is not None else 2,
            hint="write it as 'key: value' lines between two '---' lines",
        ) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ContentError(
            "front matter must be 'key: value' pairs",
            path=name,
            line=2,
            hint="for example 'title: 週刊ビジネスレター 第1号' and 'date: 2025-10-04'",
        )
    return {str(key).lower(): value for key, value in raw.items()}


def _pelican(lines: list[str]) -> tuple[dict[str, Any], int] | None:
    first = _PELICAN_LINE.match(lines[0]) if lines else None
    if first is None or first.group(1).lower() not in _PELICAN_FIRST_KEYS:
        return None
    raw: dict[str, Any] = {}
    count = 0
    key = ""
    for line in lines:
        match = _PELICAN_LINE.match(line)
        if match is not None:
            key = match.group(1).strip().lower()
            raw[key] = match.group(2).strip()
        elif line[:1] in (" ", "\t") and line.strip() and key:
            raw[key] = f"{raw[key]} {line.strip()}"  # an indented continuation line
        else:
            break
        count += 1
    if count < len(lines) and lines[count].strip():
        return None  # metadata ends at a blank line; anything else is body text
    return raw, count


def _meta(
    raw: dict[str, Any], lines: list[str], *, name: str, profile: Profile, first_line: int
) -> IssueMeta:
    def fail(key: str, message: str, hint: str) -> ContentError:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*:", re.IGNORECASE)
        index = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
        line = first_line + index if index is not None else None
        return ContentError(f"front matter: {message}", path=name, line=line, hint=hint)

    title = raw.get("title")
    if title is not None and not isinstance(title, str | int | float):
        raise fail("title", "'title' must be text", "e.g. title: 週刊ビジネスレター 第1号")
    number = raw.get("number")
    if number is not None:
        number = _issue_number(number, fail)
    day: date | None = None
    if raw.get("date") is not None:
        stamp = _when(raw["date"], profile)
        if stamp is None:
            raise fail("date", f"'date' is not a date: {raw['date']!r}", "e.g. date: 2025-10-04")
        day = stamp.date() if isinstance(stamp, datetime) else stamp
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise fail(
                "date",
                f"'date' must be in the years {FIRST_YEAR} to {LAST_YEAR}, not {day.year}",
                "e.g. date: 2025-10-04",
            )
    publish_at: datetime | None = None
    if raw.get("publish_at") is not None:
        stamp = _when(raw["publish_at"], profile)
        if stamp is None:
            raise fail(
                "publish_at",
                f"'publish_at' is not a date and time: {raw['publish_at']!r}",
                "e.g. publish_at: 2025-10-04T07:00:00+09:00",
            )
        if not FIRST_YEAR <= stamp.year <= LAST_YEAR:
            raise fail(
                "publish_at",
                f"'publish_at' must be in the years {FIRST_YEAR} to {LAST_YEAR}, not {stamp.year}",
                "e.g. publish_at: 2025-10-04T07:00:00+09:00",
            )
        if not isinstance(stamp, datetime):
            stamp = datetime.combine(stamp, profile.publish_time)
        publish_at = stamp if stamp.tzinfo else stamp.replace(tzinfo=profile.timezone)
    return IssueMeta(
        number=number,
        title=(str(title).strip() or None) if title is not None else None,
        date=day,
        publish_at=publish_at,
    )


def _issue_number(value: Any, fail: Callable[[str, str, str], ContentError]) -> int:
    """``number:`` as a whole number from 1 to ``MAX_ISSUE_NUMBER`` (``42``, ``"#42"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = "-" if value < 0 else str(value)
    elif isinstance(value, str):
        text = value.strip().lstrip("#").strip()
    else:
        text = ""
    if text == "-" or (text.isdecimal() and not 1 <= _bounded_int(text) <= MAX_ISSUE_NUMBER):
        raise fail(
            "number",
            f"'number' must be from 1 to {MAX_ISSUE_NUMBER}, not {_shown(value)}",
            "e.g. number: 42; leave it out to number issues by date",
        )
    if not text.isdecimal():
        raise fail(
            "number",
            f"'number' is not a whole number from 1 to {MAX_ISSUE_NUMBER}: {_shown(value)}",
            "e.g. number: 42",
        )
    return int(text)


def _bounded_int(text: str) -> int:
    # Python refuses to read (and print) integers of thousands of digits; none is in range.
    return int(text) if len(text) <= 20 else MAX_ISSUE_NUMBER + 1


def _shown(value: Any) -> str:
    """A value for a message, cut short when absurdly long."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        return f"a number of {len(str(abs(value)))} digits"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else f"{text[:20]}… ({len(text)} characters)"


def _when(value: Any, profile: Profile) -> date | datetime | None:
    """A date or datetime from YAML or text; aware datetimes are moved to the profile's zone."""
    if isinstance(value, datetime):
        return _in_zone(value, profile)
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip().replace("/", "-")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) <= 10:
        return stamp.date()
    return _in_zone(stamp, profile)


def _in_zone(stamp: datetime, profile: Profile) -> datetime | None:
    if stamp.tzinfo is None:
        return stamp
    try:
        return stamp.astimezone(profile.timezone)
    except OverflowError:  # year 1 or 9999, moved off the calendar: the range check says so
        return stamp
