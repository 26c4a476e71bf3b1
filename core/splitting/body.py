"""An item's body as one cuttable run of text: positions, cut candidates and slicing.

A position is ``(block, offset)`` into the body's blocks; ``(b, 0)`` is the boundary before
block ``b`` and ``(len(blocks), 0)`` the end. A post carries the blocks between two positions,
so consecutive pieces of a paragraph that land in the same post stay one paragraph.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import replace
from enum import IntEnum

from core.model import Block, BlockKind, Span
from core.splitting.sentences import (
    grapheme_bounds,
    line_bounds,
    phrase_bounds,
    sentence_bounds,
    url_separator_bounds,
    url_spans,
)

Pos = tuple[int, int]


class Level(IntEnum):
    """How gentle a cut inside a block is, gentlest first.

    The first three never cut inside a bold, code or link span or a bare URL; the next three
    may cut a bold or code span (when it alone is too big), the last three anything, down to
    single code points when one grapheme cluster alone is too big.
    """

    SENTENCE = 1
    PHRASE = 2
    GRAPHEME = 3
    STYLED_SENTENCE = 4
    STYLED_PHRASE = 5
    STYLED_GRAPHEME = 6
    URL_PHRASE = 7
    ANY_GRAPHEME = 8
    CODEPOINT = 9


def slice_spans(spans: Sequence[Span], start: int, end: int) -> tuple[Span, ...]:
    """The spans covering ``[start, end)`` of their joined text, each keeping its style."""
    out: list[Span] = []
    offset = 0
    for span in spans:
        span_end = offset + len(span.text)
        if span_end > start and offset < end:
            lo, hi = max(start - offset, 0), min(end - offset, len(span.text))
            whole = (lo, hi) == (0, len(span.text))
            out.append(span if whole else replace(span, text=span.text[lo:hi]))
        if span_end >= end:
            break
        offset = span_end
    return tuple(out)


def _trim(block: Block) -> Block | None:
    """The block without white space at its edges (a link of nothing but a space included:
    a reader sees none of it, and it must not make a post too big), or None when blank."""
    text = block.text
    hi = len(text.rstrip())
    if hi == 0:
        return None
    # Code keeps the indentation of its first line; only blank lines before it go.
    lead = text.lstrip("\r\n") if block.kind is BlockKind.CODE else text.lstrip()
    lo = len(text) - len(lead)
    if (lo, hi) == (0, len(text)):
        return block
    return replace(block, spans=slice_spans(block.spans, lo, hi))


def _merge(intervals: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(intervals):
        if starts and a < ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


class Body:
    """The non-blank blocks of an item, with lazily computed cut candidates."""

    def __init__(self, blocks: Sequence[Block]) -> None:
        """Keep the blocks that hold any text; blank ones carry nothing a reader sees."""
        trimmed = (_trim(block) for block in blocks)
        kept = [(block, block.text) for block in trimmed if block is not None]
        self.blocks: tuple[Block, ...] = tuple(block for block, _ in kept)
        self.texts: tuple[str, ...] = tuple(text for _, text in kept)
        self.end: Pos = (len(self.blocks), 0)
        self._candidates: dict[tuple[int, Level], list[int]] = {}
        self._grapheme_bounds: dict[int, list[int]] = {}
        self._sentence_bounds: dict[int, list[int]] = {}
        self._protected_spans: dict[tuple[int, int], tuple[list[int], list[int]]] = {}

    def glues_to_next(self, b: int) -> bool:
        """True when no part may end after block ``b`` (a sub-heading)."""
        return self.blocks[b].kind is BlockKind.SUBHEADING

    def introduces_list(self, b: int) -> bool:
        """True for a paragraph ending in a colon right before a bullet: keep them together."""
        if b + 1 >= len(self.blocks) or self.blocks[b].kind is not BlockKind.PARAGRAPH:
            return False
        return self.blocks[b + 1].kind is BlockKind.BULLET and self.texts[b].rstrip()[-1:] in (
            ":",
            "：",
        )

    def materialize(self, start: Pos, end: Pos) -> list[tuple[Block, bool]]:
        """The blocks between two positions, each with whether it is the whole original."""
        out: list[tuple[Block, bool]] = []
        (b1, o1), (b2, o2) = start, end
        last = b2 if o2 > 0 else b2 - 1
        for b in range(b1, last + 1):
            size = len(self.texts[b])
            lo = o1 if b == b1 else 0
            hi = o2 if b == b2 else size
            if lo == 0 and hi == size:
                out.append((self.blocks[b], True))
                continue
            piece = self.piece(b, lo, hi)
            if piece is not None:
                out.append((piece, False))
        return out

    def piece(self, b: int, lo: int, hi: int) -> Block | None:
        """Block ``b`` cut to ``[lo, hi)``, white space at the cut edges dropped."""
        text = self.texts[b]
        if lo > 0:
            while lo < hi and text[lo].isspace():
                lo += 1
        if hi < len(text):
            while hi > lo and text[hi - 1].isspace():
                hi -= 1
        if lo >= hi:
            return None
        block = self.blocks[b]
        return replace(block, spans=slice_spans(block.spans, lo, hi))

    def candidates(self, b: int, level: Level, low: int = 0, high: int | None = None) -> list[int]:
        """Sorted offsets in ``(low, high)`` inside block ``b`` where a cut of this level may fall.

        Each falls just before text other than white space and leaves some on both sides;
        none falls inside a grapheme cluster (except at ``CODEPOINT``) or inside a span the
        level protects. Phrases are only looked for inside the window, so a caller narrows
        it first (to the one sentence that overflows) and BudouX never reads the rest.
        """
        text = self.texts[b]
        high = len(text) if high is None else high
        key = (b, level)
        whole = low == 0 and high == len(text)
        found = self._candidates.get(key) if whole else None
        if found is not None:
            return found
        if level is Level.CODEPOINT:
            raw: Iterable[int] = range(low + 1, high)
        elif level in (Level.GRAPHEME, Level.STYLED_GRAPHEME, Level.ANY_GRAPHEME):
            raw = _window(self._graphemes(b), low, high)
        else:
            raw_set = set(_window(self._sentences(b), low, high))
            if level not in (Level.SENTENCE, Level.STYLED_SENTENCE):
                raw_set.update(low + o for o in phrase_bounds(text[low:high]))
            if level is Level.URL_PHRASE:
                raw_set.update(low + o for o in url_separator_bounds(text[low:high]))
            graphemes = set(_window(self._graphemes(b), low - 1, high + 1))
            raw = sorted(o for o in raw_set if o in graphemes and low < o < high)
        first = len(text) - len(text.lstrip())
        last = len(text.rstrip())
        starts, ends = self._protected(b, level)
        found = []
        for offset in raw:
            # A cut lands on text, never on white space, so no piece is left blank.
            if offset <= first or offset >= last or text[offset].isspace():
                continue
            i = bisect_right(starts, offset - 1) - 1
            if i >= 0 and ends[i] > offset:
                continue
            found.append(offset)
        if whole:
            self._candidates[key] = found
        return found

    def protected_after(
        self, b: int, offset: int, *, links_only: bool = False
    ) -> tuple[int, int] | None:
        """The first span that gentle cuts protect (a link, URL, bold or code run; with
        ``links_only`` a link or URL) in block ``b`` that ends after ``offset``."""
        starts, ends = self._protected(b, Level.STYLED_SENTENCE if links_only else Level.SENTENCE)
        index = bisect_right(ends, offset)
        return (starts[index], ends[index]) if index < len(starts) else None

    def _graphemes(self, b: int) -> list[int]:
        found = self._grapheme_bounds.get(b)
        if found is None:
            found = self._grapheme_bounds[b] = grapheme_bounds(self.texts[b])
        return found

    def _sentences(self, b: int) -> list[int]:
        found = self._sentence_bounds.get(b)
        if found is None:
            text = self.texts[b]
            code = self.blocks[b].kind is BlockKind.CODE
            found = line_bounds(text) if code else sentence_bounds(text)
            self._sentence_bounds[b] = found
        return found

    def _protected(self, b: int, level: Level) -> tuple[list[int], list[int]]:
        tier = 0 if level < Level.STYLED_SENTENCE else 1 if level < Level.URL_PHRASE else 2
        found = self._protected_spans.get((b, tier))
        if found is not None:
            return found
        styled: list[tuple[int, int]] = []
        urls: list[tuple[int, int]] = []
        offset = 0
        for span in self.blocks[b].spans:
            end = offset + len(span.text)
            if span.href is not None:
                urls.append((offset, end))
            else:
                urls.extend((offset + a, offset + z) for a, z in url_spans(span.text))
            if span.bold or span.code:
                styled.append((offset, end))
            offset = end
        chosen = [] if tier == 2 else urls if tier == 1 else urls + styled
        found = _merge([_trimmed(self.texts[b], a, z) for a, z in chosen])
        self._protected_spans[(b, tier)] = found
        return found


def _window(offsets: list[int], low: int, high: int) -> list[int]:
    return offsets[bisect_right(offsets, low) : bisect_left(offsets, high)]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A span's interval without its outer white space: cutting there cuts nothing styled."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
