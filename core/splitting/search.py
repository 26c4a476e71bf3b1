"""Finding the furthest cut inside one block that still fits, level by level.

A *tier* is a sentence level, a phrase level and a grapheme level that protect the same
spans. Each finer level only looks between the furthest cut that fits at the level above and
the first that does not, and candidates are produced a window at a time, so a search costs
about one post of text however long the block is, and BudouX reads only a tail of that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.splitting.body import Body, Level, Pos

Test = Callable[[Pos], int | None]  # the size of the post ending at a cut, None if too big
Option = tuple[Pos, int, int]  # a cut, the size of the post it ends, how fine (1-3; 0 block)
Tier = tuple[Level | None, Level | None, Level]

GENTLE: Tier = (Level.SENTENCE, Level.PHRASE, Level.GRAPHEME)
STYLED: Tier = (Level.STYLED_SENTENCE, Level.STYLED_PHRASE, Level.STYLED_GRAPHEME)
ANY: Tier = (None, Level.URL_PHRASE, Level.ANY_GRAPHEME)
CODEPOINTS: Tier = (None, None, Level.CODEPOINT)

# Candidates are looked for this many characters at a time at first, doubling as needed.
_FIRST_WINDOW = 512
# BudouX looks for the last phrase in this many characters before a cut, then four times more.
_PHRASE_TAIL = 48


def furthest_fitting(positions: Sequence[Pos], test: Test) -> tuple[int, int]:
    """Index and size of the last position that passes ``test`` (assumed monotone), or -1."""
    if not positions:
        return -1, 0
    size = test(positions[0])
    if size is None:
        return -1, 0
    good, good_size, bad, step = 0, size, len(positions), 1
    while good + step < bad:
        size = test(positions[good + step])
        if size is None:
            bad = good + step
            break
        good, good_size = good + step, size
        step *= 2
    while bad - good > 1:
        mid = (good + bad) // 2
        size = test(positions[mid])
        if size is None:
            bad = mid
        else:
            good, good_size = mid, size
    return good, good_size


class CutSearch:
    """Searches the blocks of one body for cuts (see the module docstring)."""

    def __init__(self, body: Body) -> None:
        """Search this body's blocks."""
        self.body = body

    def tier(
        self,
        b: int,
        levels: Tier,
        low: int,
        high: int,
        test: Test,
    ) -> tuple[list[Option], int]:
        """The furthest fitting cuts in block ``b`` at a sentence, phrase and grapheme level.

        Each finer level only looks between the furthest cut that fits at the level above and
        the first that does not, and phrases only up to the first grapheme cut that does not
        fit, so BudouX never reads more than about one post of text. Returns the cuts found,
        gentlest first, and the first offset known not to fit.
        """
        sentence, phrase, grapheme = levels
        options: list[Option] = []
        if sentence is not None:
            found, low, high = self._inside(b, sentence, low, high, test)
            if found is not None:
                options.append((*found, 1))
        found, _, high = self._inside(b, grapheme, low, high, test)
        if found is not None and phrase is not None:
            between = self._last_phrase(b, phrase, low, found[0][1], test)
            if between is not None and between[0] != found[0]:
                options.append((*between, 2))
        if found is not None:
            options.append((*found, 3))
        return options, high

    def _last_phrase(
        self, b: int, level: Level, low: int, upto: int, test: Test
    ) -> tuple[Pos, int] | None:
        """The last phrase cut in ``(low, upto]``, where every grapheme cut fits.

        BudouX reads only a tail of the window, growing it until a phrase boundary turns up;
        past half the window a phrase cut would lose to the grapheme cut anyway (see
        ``packer._GOOD_FILL``), so it stops looking there.
        """
        tail = _PHRASE_TAIL
        while True:
            start = max(low, upto - tail)
            offsets = self.body.candidates(b, level, start, upto + 1)
            if offsets:
                size = test((b, offsets[-1]))
                return None if size is None else ((b, offsets[-1]), size)
            if start == low or tail > (upto - low) // 2:
                return None
            tail *= 4

    def _inside(
        self, b: int, level: Level, low: int, high: int, test: Test
    ) -> tuple[tuple[Pos, int] | None, int, int]:
        """The furthest cut of a level in block ``b`` between two offsets that fits.

        Returns it (or None) with the narrowed window for the next, finer level: from the cut
        found to the first candidate that does not fit. Candidates are computed a window at
        a time (doubling), so a huge block costs about one post's worth per post.
        """
        best: tuple[Pos, int] | None = None
        start, width = low, _FIRST_WINDOW
        while True:
            stop = min(high, start + width)
            offsets = self.body.candidates(b, level, start, stop)
            positions = [(b, offset) for offset in offsets]
            index, size = furthest_fitting(positions, test)
            if index >= 0:
                best = (positions[index], size)
            found_low = best[0][1] if best else low
            if index + 1 < len(offsets):
                return best, found_low, offsets[index + 1]
            if stop >= high:
                return best, found_low, high
            start, width = stop - 1, width * 2
