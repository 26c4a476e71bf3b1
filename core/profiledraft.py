"""A first ``newsletter.toml`` for a newsletter haishin has never seen (``haishin profile init``).

It reads a few issues the way haishin reads any issue without a profile, then proposes what
an editor would otherwise type: the newsletter's name and language, the sections (the
top-level headings that recur, in their usual order, with the spellings seen as aliases and a
pattern when only a number changes: ``小ネタ2本``/``小ネタ3本``), which of them are lists of
link stories, trailing boilerplate, and how dates are written. The editor then edits it: the
draft says in comments what it could not decide.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.parsing.assemble import BODY_KEY, INTRO_KEY
from core.parsing.stories import looks_like_link_list
from core.profilehints import (
    SourceIssue,
    date_hints,
    guess_language,
    guess_name,
    trailing_line,
)
from core.textnorm import fold, slug, squash

_ENCLOSING = {
    "【": "】",
    "[": "]",
    "「": "」",
    "『": "』",
    "(": ")",
    "（": "）",
    "〔": "〕",
    "<": ">",
}
_DIGITS = re.compile(r"\d+")
_ASCII_KEY = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(slots=True)
class _Group:
    titles: Counter[str] = field(default_factory=Counter)
    issues: set[int] = field(default_factory=set)
    positions: list[float] = field(default_factory=list)
    link_lists: int = 0
    occurrences: int = 0


@dataclass(frozen=True, slots=True)
class DraftSection:
    """A section the draft proposes (or mentions, when it was seen only once)."""

    key: str
    title: str
    aliases: tuple[str, ...]
    patterns: tuple[str, ...]
    seen: int
    link_list: bool


@dataclass(frozen=True, slots=True)
class Draft:
    """The proposal, and the TOML text written from it."""

    name: str
    language: str
    sections: tuple[DraftSection, ...]
    once: tuple[DraftSection, ...]
    issues: int
    date_format: str | None
    notes: tuple[str, ...]
    drop_trailing: tuple[str, ...] = ()


def draft_profile(sources: Sequence[SourceIssue], *, name: str | None = None) -> Draft:
    """Propose a profile from some issues parsed with ``Profile.default()``.

    Args:
        sources: the issues, each with its file name and raw front matter fields.
        name: the newsletter's name when known; else guessed from the issues' titles.
    """
    groups: dict[str, _Group] = {}
    for index, source in enumerate(sources):
        real = [s for s in source.issue.sections if s.key not in (INTRO_KEY, BODY_KEY)]
        for position, section in enumerate(real):
            group = groups.setdefault(fold(bare_title(section.title)), _Group())
            group.titles[squash(section.title)] += 1
            group.issues.add(index)
            group.positions.append(position / max(len(real) - 1, 1))
            group.occurrences += 1
            if any(looks_like_link_list(item) for item in section.items) or _linked(section):
                group.link_lists += 1
    groups = _merge_numbered(groups)
    recurring = len(sources) < 2
    chosen: list[tuple[float, str, _Group]] = []
    once: list[tuple[str, _Group]] = []
    for group_key, group in groups.items():
        if recurring or len(group.issues) >= 2:
            chosen.append((sum(group.positions) / len(group.positions), group_key, group))
        else:
            once.append((group_key, group))
    chosen.sort(key=lambda entry: entry[0])
    used: set[str] = set()
    ordered = [(key, group) for _, key, group in chosen] + once
    specs = [
        _section(key, group, number, used) for number, (key, group) in enumerate(ordered, start=1)
    ]
    texts = " ".join(
        item.text for source in sources for s in source.issue.sections for item in s.items
    )
    date_format, notes = date_hints(sources)
    return Draft(
        name=name or guess_name(sources),
        language=guess_language(texts),
        sections=tuple(specs[: len(chosen)]),
        once=tuple(specs[len(chosen) :]),
        issues=len(sources),
        date_format=date_format,
        notes=tuple(notes),
        drop_trailing=trailing_line(sources),
    )


def bare_title(title: str) -> str:
    """A heading without its decorations: ``【トピック】`` → ``トピック``, ``⚛️ React`` → ``React``.

    Brackets that belong to the text (``Node v7.2.0 (Current)``) stay.
    """
    text = squash(title)
    while len(text) > 2 and _ENCLOSING.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    start = 0
    while start < len(text) and not text[start].isalnum() and text[start] not in _ENCLOSING:
        start += 1
    end = len(text)
    while end > start and not text[end - 1].isalnum() and not _closes(text, end - 1):
        end -= 1
    return text[start:end].strip() or text


def _closes(text: str, at: int) -> bool:
    return any(text[at] == close and open_ in text[:at] for open_, close in _ENCLOSING.items())


def _merge_numbered(groups: dict[str, _Group]) -> dict[str, _Group]:
    """Headings that differ only by a number across issues (``小ネタ2本``/``小ネタ3本``) as one.

    Those that occur together in one issue (``1月``...``12月`` of a yearly review) stay apart.
    """
    by_shape: dict[str, list[str]] = {}
    for key in groups:
        by_shape.setdefault(_DIGITS.sub("#", key), []).append(key)
    merged: dict[str, _Group] = {}
    for shape, keys in by_shape.items():
        issues = [i for key in keys for i in groups[key].issues]
        if len(keys) < 2 or len(issues) != len(set(issues)):
            merged.update((key, groups[key]) for key in keys)
            continue
        group = _Group()
        for key in keys:
            part = groups[key]
            group.titles.update(part.titles)
            group.issues |= part.issues
            group.positions += part.positions
            group.link_lists += part.link_lists
            group.occurrences += part.occurrences
        merged[shape] = group
    return merged


def _linked(section: Any) -> bool:
    """A section of several top-level bullets nearly all linked: a list of link stories."""
    bullets = [
        block
        for item in section.items
        for block in item.blocks
        if block.kind.value == "bullet" and block.depth == 0
    ]
    linked = sum(1 for b in bullets if any(span.href for span in b.spans))
    return len(bullets) >= 3 and linked >= 0.75 * len(bullets)


def _section(group_key: str, group: _Group, number: int, used: set[str]) -> DraftSection:
    title = group.titles.most_common(1)[0][0]
    bare = bare_title(title)
    key = slug(_DIGITS.sub("", bare)).strip("-")
    if not _ASCII_KEY.match(key) or key in used:
        key = f"section-{number}"
    used.add(key)
    # The title is the bare heading; every spelling seen that differs is an alias.
    aliases = [t for t in group.titles if fold(t) != fold(bare)]
    patterns: tuple[str, ...] = ()
    if "#" in group_key:
        patterns = (_DIGITS.sub(r"\\d+", re.escape(fold(bare))),)
        aliases = [a for a in aliases if bare_title(a) != a]  # the pattern covers the others
    return DraftSection(
        key=key,
        title=bare,
        aliases=tuple(aliases),
        patterns=patterns,
        seen=len(group.issues),
        link_list=group.link_lists * 2 > group.occurrences,
    )
