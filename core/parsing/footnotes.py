"""Footnotes go with the item that cites them, not to the end of the issue.

A newsletter's footnote belongs to the story that refers to it; an issue split into posts
would otherwise send it alone, after every section, far from the reference. The Markdown
reader collects each note's elements (mdit-py-plugins gives them at the end of the token
stream) and where it is first cited; ``place_notes`` puts each note after the citing block's
part of the item.
"""

from __future__ import annotations

from core.model import BlockKind
from core.parsing.elements import BlockElement, Element, HeadingElement


def place_notes(
    body: list[Element], notes: dict[int, list[Element]], cited: dict[int, int]
) -> list[Element]:
    """The body with each footnote after the part of the item that first cites it.

    A note goes before the first heading after the citing block, so it stays with the item
    (or sub-heading group) that cites it; a note nobody cites ends the document.
    """
    if not notes:
        return body
    after: dict[int, list[Element]] = {}
    for note_id, elements in sorted(notes.items()):
        elements = _joined_mark(elements)
        at = cited.get(note_id)
        if at is None:
            after.setdefault(len(body), []).extend(elements)
            continue
        end = next(
            (i for i in range(at + 1, len(body)) if isinstance(body[i], HeadingElement)),
            len(body),
        )
        after.setdefault(end, []).extend(elements)
    out: list[Element] = []
    for index, element in enumerate(body):
        out.extend(after.get(index, ()))
        out.append(element)
    out.extend(after.get(len(body), ()))
    return out


def _joined_mark(elements: list[Element]) -> list[Element]:
    """``[1] `` put in front of the note's first block (or kept alone before a list)."""
    mark, *rest = elements
    if rest and isinstance(rest[0], BlockElement) and rest[0].kind is BlockKind.PARAGRAPH:
        first = rest[0]
        joined = BlockElement(first.kind, (*mark.spans, *first.spans), first.line)
        return [joined, *rest[1:]]
    return elements
