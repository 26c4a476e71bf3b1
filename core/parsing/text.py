"""The plain-text reader: the text a newsletter web page gives when it is copied.

Every non-blank line is one block; structure comes from the lines themselves:

- a line the profile names (``トピック``, ``小ネタ2本``, ``【編集後記】``) is a section heading;
- a line led by an emoji (``🚀 CoreWeave、…``, flags and ZWJ sequences included), or by the
  ``■``/``◆``/``▶`` marks of Japanese mail magazines (whose Shift_JIS has no emoji), is an
  item headline, except in a section without headlines (the afterword);
- a line holding only ``-`` (or ``・``, ``•``, ``1.``) makes the next line a bullet; so do lines
  led by ``- ``, ``・`` or ``1. ``;
- a short line without sentence-ending punctuation that introduces longer body text or bullets
  is a sub-heading (``CoreWeaveとは?``, ``日本への示唆``, ``まとめ``): see ``_is_subheading``;
- everything else is a paragraph, with ``**bold**`` spans and bare URLs as links.

Without a profile section in the file, a short line right before an emoji headline is taken
as a section title, so an unknown newsletter of the same shape still gets sections.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum

import regex

from core.model import BlockKind, Span
from core.parsing.assemble import recognise_section
from core.parsing.elements import BlockElement, Element, HeadingElement
from core.parsing.inline import finish_spans
from core.profile import Profile

_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Emoji_Presentation}|\p{Regional_Indicator}|.*[\uFE0F\u20E3]|[■□◆◇▶▷]")
_MARKERS = frozenset(["-", "*", "•", "・", "‐", "−", "‣", "◦"])
_NUMBERED = re.compile(r"^(\d{1,2})[.)．）]$")
_BULLET = re.compile(r"^(?:[-*•‣◦]\s+|・\s*|(\d{1,2})[.)．）]\s+)(?=\S)")
_RULE = re.compile(r"^([-=_*~─━＝ー・])\1{2,}$")
# A line ending in these is a sentence (or introduces what follows), never a sub-heading.
# "?" is allowed: "〜とは?" and "なぜ〜?" are the commonest sub-headings there are.
_SENTENCE_END = frozenset("。．.!！:：;；、,，…‥")
_CLOSING = frozenset("」』)）】〕\"'”’")
_MAX_TITLE_WEIGHT = 40  # about 20 Japanese or 40 Latin characters
_MAX_HEADLINE_WEIGHT = 120


class _Kind(Enum):
    BLANK = 0
    SECTION = 1
    HEADLINE = 2
    MARKER = 3
    BULLET = 4
    TEXT = 5


def read_text(body: str, profile: Profile, *, first_line: int = 1) -> list[Element]:
    """Turn plain text into the element stream.

    Args:
        body: the text after any front matter, with ``\\n`` line ends.
        profile: recognises section titles and tells which sections have headlines.
        first_line: the source line number of the body's first line.

    Returns:
        The elements, section titles as level-1 and headlines as level-2 headings.
    """
    lines = [line.strip() for line in body.split("\n")]
    kinds = [_kind(line, profile) for line in lines]
    has_sections = _Kind.SECTION in kinds
    out: list[Element] = []
    headlines = True
    skip = -1
    for index, line in enumerate(lines):
        kind = kinds[index]
        if index <= skip or kind is _Kind.BLANK:
            continue
        number = first_line + index
        if kind is _Kind.SECTION:
            spec = recognise_section(profile, line)
            headlines = spec.headlines if spec else True
            out.append(HeadingElement(1, _spans(line), number))
        elif kind is _Kind.HEADLINE and headlines:
            out.append(HeadingElement(2, _spans(line), number))
        elif kind is _Kind.MARKER:
            target = _next(kinds, index)
            if target is not None and kinds[target] in (_Kind.TEXT, _Kind.HEADLINE):
                ordinal = _NUMBERED.match(line)
                out.append(
                    BlockElement(
                        BlockKind.BULLET,
                        _spans(lines[target]),
                        first_line + target,
                        ordinal=int(ordinal.group(1)) if ordinal else None,
                    )
                )
                skip = target
        elif kind is _Kind.BULLET:
            prefix = _BULLET.match(line)
            assert prefix is not None  # the kind says so
            digits = prefix.group(1)
            out.append(
                BlockElement(
                    BlockKind.BULLET,
                    _spans(line[prefix.end() :]),
                    number,
                    ordinal=int(digits) if digits else None,
                )
            )
        else:
            following = _next(kinds, index)
            if (
                not has_sections
                and following is not None
                and kinds[following] is _Kind.HEADLINE
                and _short_title(line)
            ):
                out.append(HeadingElement(1, _spans(line), number))
            elif _is_subheading(line, following, lines, kinds):
                out.append(BlockElement(BlockKind.SUBHEADING, _spans(line), number))
            else:
                out.append(BlockElement(BlockKind.PARAGRAPH, _spans(line), number))
    return out


def _spans(line: str) -> tuple[Span, ...]:
    return finish_spans((Span(line),))


def _kind(line: str, profile: Profile) -> _Kind:
    if not line or _RULE.match(line):
        return _Kind.BLANK
    if line in _MARKERS or _NUMBERED.match(line):
        return _Kind.MARKER
    if _BULLET.match(line):
        return _Kind.BULLET
    if _weight(line) <= _MAX_TITLE_WEIGHT and recognise_section(profile, line):
        return _Kind.SECTION
    if _is_headline(line):
        return _Kind.HEADLINE
    return _Kind.TEXT


def _next(kinds: list[_Kind], index: int) -> int | None:
    for j in range(index + 1, len(kinds)):
        if kinds[j] is not _Kind.BLANK:
            return j
    return None


def _weight(text: str) -> int:
    """Display width: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _is_headline(line: str) -> bool:
    first = _GRAPHEME.match(line)
    if first is None or not _EMOJI.match(first.group()):
        return False
    rest = line[first.end() :]
    return (
        any(ch.isalnum() for ch in rest)
        and "://" not in rest
        and line[-1] not in "。．:："
        and _weight(line) <= _MAX_HEADLINE_WEIGHT
    )


def _short_title(line: str) -> bool:
    """Short, one phrase, no sentence-ending punctuation: could be a title."""
    if _weight(line) > _MAX_TITLE_WEIGHT or "://" in line:
        return False
    bare = line.rstrip("*")
    if not bare or bare[-1] in _SENTENCE_END:
        return False
    if bare[-1] in _CLOSING and len(bare) > 1 and bare[-2] in _SENTENCE_END:
        return False
    if "。" in line or "．" in line or ". " in line:
        return False
    return any(ch.isalpha() for ch in line)


def _is_subheading(line: str, following: int | None, lines: list[str], kinds: list[_Kind]) -> bool:
    """A short title line that introduces body text: bullets, or a clearly longer paragraph.

    A short line before another short line, a headline, a section or the end of the text is
    a paragraph ("ありがとうございました", a sign-off), and so is one ending in 。 or ：.
    """
    if following is None or not _short_title(line):
        return False
    kind = kinds[following]
    if kind in (_Kind.MARKER, _Kind.BULLET):
        return True
    if kind is not _Kind.TEXT:
        return False
    body = lines[following]
    return not _short_title(body) and _weight(body) >= max(2 * _weight(line), 24)
