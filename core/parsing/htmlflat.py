"""Pages whose headings name only sections: the plain-text reader's rules read the rest.

Newsletters published as HTML often mark only their sections as headings and write item
headlines as plain paragraphs (``<p>🚀 CoreWeave、…</p>``), or have no headings at all. When no
heading says more than a profile section (an opening ``<h1>`` title aside), every block goes
through the plain-text reader as one line, and what it makes of the line (section title,
emoji headline, sub-heading, bullet) is applied to the HTML's block, whose spans (bold,
links) are kept. Such a page gets the structure its copied text would get.
"""

from __future__ import annotations

from core.model import BlockKind, Span
from core.parsing.assemble import recognise_section
from core.parsing.elements import BlockElement, Element, HeadingElement
from core.parsing.text import read_text
from core.profile import Profile

__all__ = ["classify_like_text", "headings_only_name_sections"]


def headings_only_name_sections(elements: list[Element], profile: Profile) -> bool:
    """True when no heading but an opening title says more than a profile section does."""
    headings = [el for el in elements if isinstance(el, HeadingElement)]
    if headings and headings[0] is elements[0] and _is_title(headings, profile):
        headings = headings[1:]
    return all(recognise_section(profile, h.text) for h in headings)


def _is_title(headings: list[HeadingElement], profile: Profile) -> bool:
    first = headings[0]
    lone = all(h.level > 1 for h in headings[1:])
    return first.level == 1 and lone and recognise_section(profile, first.text) is None


def classify_like_text(elements: list[Element], profile: Profile) -> list[Element]:
    """Let the plain-text reader's rules say what each block is; keep the HTML's spans."""
    out: list[Element] = []
    shift = 0
    first = elements[0] if elements else None
    if isinstance(first, HeadingElement) and not recognise_section(profile, first.text):
        # The page's own title stays a lone outermost heading: the assembler's document title.
        out.append(HeadingElement(1, first.spans))
        elements, shift = elements[1:], 1
    lines = [_shadow_line(el) for el in elements]
    for found in read_text("\n".join(lines), profile):
        assert found.line is not None  # the text reader numbers every element
        mine = elements[found.line - 1]
        if isinstance(found, HeadingElement):
            out.append(HeadingElement(found.level + shift, mine.spans))
        elif isinstance(mine, HeadingElement):
            out.append(HeadingElement(1 + shift, mine.spans))
        elif found.kind is BlockKind.SUBHEADING and mine.kind is BlockKind.PARAGRAPH:
            out.append(BlockElement(BlockKind.SUBHEADING, mine.spans))
        elif found.kind is BlockKind.BULLET and mine.kind is BlockKind.PARAGRAPH:
            spans = _drop_prefix(mine.spans, len(mine.text) - len(found.text))
            out.append(BlockElement(BlockKind.BULLET, spans, ordinal=found.ordinal))
        else:
            out.append(mine)
    return out


def _shadow_line(element: Element) -> str:
    if isinstance(element, BlockElement) and element.kind is BlockKind.BULLET:
        return "- " + element.text
    # One line per element: the text reader numbers lines, and we map them back.
    return " ".join(element.text.split()) or "."


def _drop_prefix(spans: tuple[Span, ...], count: int) -> tuple[Span, ...]:
    """The spans without their first ``count`` characters (a ``・`` bullet mark)."""
    out = list(spans)
    while out and count > 0:
        head = out[0]
        if len(head.text) <= count:
            count -= len(head.text)
            out.pop(0)
        else:
            out[0] = Span(head.text[count:].lstrip(), head.bold, head.italic, head.code, head.href)
            count = 0
    return tuple(out)
