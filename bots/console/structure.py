"""An issue's outline (sections, items, one row per block) and where each platform cuts it.

A cut is found from the posts' text alone: the interface guarantees that a section's posts,
joined and ignoring white space, give its items back exactly, so counting the non-space
characters of each part locates the cut in the item, between blocks or inside one. If the
count does not come out even, text was lost or repeated, and the outline says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.model import BlockKind, Item, NoteKind, ParseNote, Post, Section
from core.textnorm import squash

SNIPPET = 22


@dataclass(frozen=True, slots=True)
class Cut:
    """A platform starts part ``part`` (of ``parts``) here; ``mid`` when inside a block."""

    platform: str
    part: int
    parts: int
    mid: bool = False
    before: str = ""  # the text either side of a cut inside a block
    after: str = ""


@dataclass(slots=True)
class Row:
    """One line of the outline: a headline or a block, with the cuts that fall before it."""

    kind: str  # headline, paragraph, bullet, subheading, quote, code
    text: str
    depth: int = 0
    chars: int = 0
    cuts: list[Cut] = field(default_factory=list)  # before this row
    inside: list[Cut] = field(default_factory=list)  # inside this row


@dataclass(slots=True)
class Outline:
    """One item's rows, and the problems found while locating its cuts."""

    title: str | None
    rows: list[Row]
    chars: int
    problems: list[str] = field(default_factory=list)


def outline_item(item: Item, posts_by_platform: Mapping[str, Sequence[Post]]) -> Outline:
    """The rows of an item with every platform's cuts placed on them."""
    rows: list[Row] = []
    if item.title:
        rows.append(Row("headline", item.title, chars=len(item.title)))
    for block in item.blocks:
        kind = block.kind.value if isinstance(block.kind, BlockKind) else str(block.kind)
        rows.append(Row(kind, block.text, depth=block.depth, chars=len(block.text)))
    outline = Outline(item.title, rows, sum(row.chars for row in rows))
    for platform, posts in posts_by_platform.items():
        _place_cuts(outline, platform, posts)
    return outline


def _place_cuts(outline: Outline, platform: str, posts: Sequence[Post]) -> None:
    # Each non-space character of the item, as (row index, offset in the row's text).
    chars = [
        (index, offset)
        for index, row in enumerate(outline.rows)
        for offset, char in enumerate(row.text)
        if not char.isspace()
    ]
    counted = 0
    for post in posts:
        counted += sum(1 for char in post.text if not char.isspace())
        if post.part == post.parts:
            break
        if counted >= len(chars):
            break
        row_index, offset = chars[counted]
        row = outline.rows[row_index]
        starts_row = offset == next(i for i, c in enumerate(row.text) if not c.isspace())
        cut = Cut(platform, post.part + 1, post.parts)
        if starts_row:
            row.cuts.append(cut)
        else:
            before = row.text[:offset].rstrip()[-SNIPPET:]
            after = row.text[offset:].lstrip()[:SNIPPET]
            row.inside.append(Cut(platform, post.part + 1, post.parts, True, before, after))
    total = sum(sum(1 for char in post.text if not char.isspace()) for post in posts)
    if posts and total != len(chars):
        outline.problems.append(
            f"{platform}: the parts hold {total} characters of text, the item {len(chars)}: "
            "text was lost or repeated when splitting"
        )


@dataclass(frozen=True, slots=True)
class NoteView:
    """A parser note, with the source line it is about when the source is at hand."""

    kind: str  # dropped or warning
    message: str
    line: int | None
    source: str | None  # the text of that line
    at_heading: bool = False


def place_notes(
    sections: Sequence[Section], notes: Sequence[ParseNote], source: str | None
) -> tuple[list[NoteView], dict[int, list[NoteView]]]:
    """Notes by the section they concern (index), and those placed before every section.

    Section headings are found in the source by their text, in order; a note goes to the
    last section whose heading comes before its line. Without the source (a stored issue
    whose file is gone), every note is placed before the sections.
    """
    lines = source.split("\n") if source is not None else None
    heads = _heading_lines(sections, lines) if lines is not None else [None] * len(sections)
    top: list[NoteView] = []
    placed: dict[int, list[NoteView]] = {}
    for note in notes:
        text = None
        if lines is not None and note.line is not None and 0 < note.line <= len(lines):
            text = lines[note.line - 1].strip()
        owner = None
        if note.line is not None:
            for index, head in enumerate(heads):
                if head is not None and head <= note.line:
                    owner = index
        kind = note.kind.value if isinstance(note.kind, NoteKind) else str(note.kind)
        view = NoteView(
            kind,
            note.message,
            note.line,
            text,
            at_heading=owner is not None and heads[owner] == note.line,
        )
        if owner is None:
            top.append(view)
        else:
            placed.setdefault(owner, []).append(view)
    return top, placed


def _heading_lines(sections: Sequence[Section], lines: list[str]) -> list[int | None]:
    found: list[int | None] = []
    cursor = 0
    for section in sections:
        wanted = squash(section.title)
        at = None
        for number in range(cursor, len(lines)):
            if squash(lines[number].strip().strip("#").strip()) == wanted:
                at = number
                break
        found.append(at + 1 if at is not None else None)
        if at is not None:
            cursor = at + 1
    return found
