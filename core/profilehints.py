"""What a few issues say about their newsletter: its name, language, dates and sign-off.

Used by ``core.profiledraft`` (``haishin profile init``); each guess is a proposal the
editor checks.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo

from core.model import Issue
from core.parsing.dates import DateProblem, read_when
from core.parsing.frontmatter import meta_from_name

_NAME_CUT = re.compile(r"\s*(?:[#＃№]|第|\bno\.|\bissue\b|\bvol\.|[:：|｜(（\[【]|\d).*$", re.I)
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class SourceIssue:
    """One issue read for the draft: its file name, its front matter fields and the parse."""

    name: str
    fields: dict[str, Any]
    issue: Issue


def guess_name(sources: Sequence[SourceIssue]) -> str:
    """The newsletter's name: what the issues' titles share before a number or a colon."""
    titles = [s.issue.title for s in sources if s.issue.title]
    if not titles:
        folder = PurePath(sources[0].name).parent.parent.name if sources else ""
        return folder or "newsletter"
    prefix = titles[0]
    for title in titles[1:]:
        while not title.startswith(prefix):
            prefix = prefix[:-1]
    cut = _NAME_CUT.sub("", prefix if len(titles) > 1 else titles[0]).strip(" -–—:")
    return cut or titles[0]


def guess_language(text: str) -> str:
    """``ja``, ``ko``, ``zh`` or ``en``, from the scripts the issues are written in."""
    counts = Counter(_script(ch) for ch in text[:20000])
    if counts["kana"] > 20:
        return "ja"
    if counts["hangul"] > 20:
        return "ko"
    if counts["han"] > 50:
        return "zh"
    return "en"


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    if name.startswith(("HIRAGANA", "KATAKANA")):
        return "kana"
    if name.startswith("HANGUL"):
        return "hangul"
    if name.startswith("CJK UNIFIED"):
        return "han"
    return ""


def date_hints(sources: Sequence[SourceIssue]) -> tuple[str | None, list[str]]:
    """A ``date_format`` when the issues' numeric dates need one, and notes on dates."""
    raw = [(s, s.fields.get("date")) for s in sources]
    written = [(s, value) for s, value in raw if value is not None]
    if not written:
        named = [s for s in sources if s.issue.date is not None]
        if len(named) == len(sources):
            return None, ["dates come from the file names (no 'date' in front matter)"]
        return None, [
            "some issues have no date: add 'date:' to their front matter or name the files "
            "by date (2026-08-19.md)"
        ]
    layouts: Counter[str] = Counter()
    ambiguous: list[str] = []
    for _, value in written:
        match = re.fullmatch(r"\s*(\d{1,2})([-/.])(\d{1,2})\2(\d{4})\b.*", str(value))
        if match is None:
            continue
        first, sep, second = int(match[1]), match[2], int(match[3])
        if first > 12:
            layouts[f"DD{sep}MM{sep}YYYY"] += 1
        elif second > 12:
            layouts[f"MM{sep}DD{sep}YYYY"] += 1
        elif first != second:
            ambiguous.append(str(value))
    if layouts:
        layout = layouts.most_common(1)[0][0]
        return layout, [f"front matter dates are written {layout}"]
    notes: list[str] = []
    if ambiguous:
        notes.append(
            f"front matter dates such as {ambiguous[0]!r} could be MM-DD or DD-MM; "
            'set date_format = "MM-DD-YYYY" or "DD-MM-YYYY"'
        )
    unread = []
    for source, value in written:
        try:
            read_when(value, zone=UTC_ZONE, near=meta_from_name(source.name).date)
        except DateProblem:
            unread.append(f"{source.name}: {value!r}")
    if unread:
        notes.append("dates not understood: " + "; ".join(unread[:3]))
    return None, notes


def trailing_line(sources: Sequence[SourceIssue]) -> tuple[str, ...]:
    """The last line of every issue, when it is the same short line each time (a sign-off)."""
    if len(sources) < 2:
        return ()
    lasts = set()
    for source in sources:
        sections = source.issue.sections
        if not sections or not sections[-1].items or not sections[-1].items[-1].blocks:
            return ()
        lasts.add(sections[-1].items[-1].blocks[-1].text.strip())
    if len(lasts) == 1:
        (line,) = lasts
        if 0 < len(line) <= 40:
            return (line,)
    return ()
