"""Issue facts from outside the body: YAML front matter, Pelican metadata, the file name.

Front matter (``title``, ``number``, ``date``, ``publish_at``) overrides what the file name
says. Other keys that Jekyll, Hugo or Pelican put there (``tags``, ``categories``,
``description``, ``layout``…) are ignored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from core.errors import ContentError
from core.model import FIRST_YEAR, LAST_YEAR, MAX_ISSUE_NUMBER, NoteKind, ParseNote
from core.parsing.dates import DateProblem, read_when
from core.parsing.elements import IssueMeta
from core.profile import Profile

_NAME_DATE = re.compile(r"^(\d{4})([-_.]?)(\d{2})\2(\d{2})(?:\D|$)")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})(?:\D|$)")
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
_DATE_HINT = (
    "write it as 2025-10-04, 2025/10/04, October 4, 2025 or 2025年10月4日; for 10-04-2025 "
    'set date_format = "MM-DD-YYYY" (or "DD-MM-YYYY") in newsletter.toml'
)
_YAML_KEY = re.compile(r"^[\w\"'][^:]*:(?:\s|$)")


@functools.cache
def _loader() -> type[Any]:
    """Safe YAML that leaves dates as text, so a bad one gets our message, not a crash.

    Built on first use: a process that reads no front matter (``serve`` over plain-text
    issues) never loads PyYAML.
    """
    import yaml

    # libyaml's parser when the wheel has it: the pure-Python one costs more than a whole
    # issue.
    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = {
        first: [(tag, rx) for tag, rx in found if tag != "tag:yaml.org,2002:timestamp"]
        for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return type("_Loader", (base,), {"yaml_implicit_resolvers": resolvers})


def meta_from_name(name: str) -> IssueMeta:
    """The date a file or its folder names.

    ``2025-10-04.txt``, ``2025-10-04-slug.md``, ``20251004.md``, ``2026/07/19.md``,
    ``2026/07-19-slug.md``, and for a post kept as a folder ``2022-01-24-recap/index.mdx`` or
    ``2026/07/19/index.md``.
    """
    path = PurePath(name)
    folders = path.parent.parts
    candidates: list[tuple[str, str, str]] = []
    for text in (path.name, *folders[-1:]):
        match = _NAME_DATE.match(text)
        if match:
            candidates.append((match[1], match[3], match[4]))
    if folders and _YEAR.match(folders[-1]) and (match := _MONTH_DAY.match(path.name)):
        candidates.append((folders[-1], match[1], match[2]))
    for tail in ([*folders[-2:], path.stem], list(folders[-3:])):
        if len(tail) == 3 and all(p.isdigit() for p in tail) and _YEAR.match(tail[0]):
            candidates.append((tail[0], tail[1], tail[2]))
    for year, month, day in candidates:
        try:
            found = date(int(year), int(month), int(day))
        except ValueError:
            continue
        if FIRST_YEAR <= found.year <= LAST_YEAR:
            return IssueMeta(date=found)
    return IssueMeta()


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


def front_matter_fields(text: str, *, name: str) -> dict[str, Any]:
    """The fields of a file's front matter (YAML or Pelican) as written, keys lower-cased.

    For tools that look at many issues (``haishin profile init``); {} without front matter.

    Raises:
        ContentError: the front matter is not valid YAML.
    """
    lines = text.split("\n")
    if lines and lines[0].rstrip() == _FENCE:
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in (_FENCE, "...")), None)
        if end is not None and _looks_like_yaml(lines[1:end]):
            return _load_yaml("\n".join(lines[1:end]), name=name)
    pelican = _pelican(lines)
    return pelican[0] if pelican is not None else {}


def _looks_like_yaml(block: list[str]) -> bool:
    first = next((line for line in block if line.strip() and not line.startswith("#")), None)
    return first is None or _YAML_KEY.match(first) is not None


def _load_yaml(block: str, *, name: str) -> dict[str, Any]:
    import yaml

    try:
        raw = yaml.load(block, Loader=_loader())
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
    notes: list[ParseNote] = []
    named = meta_from_name(name).date
    if raw.get("date") is not None:
        try:
            stamp = _when(raw["date"], profile, named)
        except DateProblem as problem:
            error = fail("date", f"'date' {raw['date']!r} {problem}", _DATE_HINT)
            if named is None:
                raise error from None
            # The file or folder name dates the issue; say so rather than refuse it.
            notes.append(
                ParseNote(
                    NoteKind.WARNING,
                    f"front matter 'date' {raw['date']!r} {problem}; "
                    f"the date in the file name, {named.isoformat()}, is used",
                    error.line,
                )
            )
            stamp = named
        day = stamp.date() if isinstance(stamp, datetime) else stamp
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise fail(
                "date",
                f"'date' must be in the years {FIRST_YEAR} to {LAST_YEAR}, not {day.year}",
                "e.g. date: 2025-10-04",
            )
    publish_at: datetime | None = None
    if raw.get("publish_at") is not None:
        try:
            stamp = _when(raw["publish_at"], profile, day or named)
        except DateProblem as problem:
            raise fail(
                "publish_at",
                f"'publish_at' {raw['publish_at']!r} {problem}",
                "e.g. publish_at: 2025-10-04T07:00:00+09:00",
            ) from None
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
        notes=tuple(notes),
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


def _when(value: Any, profile: Profile, near: date | None) -> date | datetime:
    """A date or datetime from YAML or text; aware datetimes are moved to the profile's zone."""
    return read_when(value, zone=profile.timezone, date_format=profile.date_format, near=near)
