"""Cutting a run of an item's body into posts that the platform accepts.

The packer knows nothing of how a platform counts: it asks ``size_of`` (the platform's
measure) about candidate posts and keeps the furthest cut that fits. Measures need not be
additive, so every post is measured whole; galloping keeps the number of measurements
logarithmic in the number of candidates, and each measures at most about twice one post.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.model import Block
from core.splitting.body import Body, Pos
from core.splitting.search import (
    ANY,
    CODEPOINTS,
    GENTLE,
    STYLED,
    CutSearch,
    Option,
    Test,
    furthest_fitting,
)

SizeOf = Callable[[Sequence[Block], bool], int]  # (blocks, carries the headline) -> size
Part = tuple[Pos, Pos, bool]  # start, end, carries the headline

# A cut this full (in measured units, relative to capacity) is good enough at its level;
# a gentler cut that fills less is dropped only for one that fills at least twice as much.
_GOOD_FILL = 0.5
# Balancing re-runs the whole split a few times, so only short runs are balanced.
_BALANCE_MAX_PARTS = 6
_BALANCE_ROUNDS = 8


class LimitsTooSmall(ValueError):
    """Not even one grapheme cluster (or code point) fits in a post."""


class Packer:
    """Greedy, structure-aware packing of a body range into posts within the hard limits.

    Args:
        body: the item's body.
        size_of: the platform's measure of a post holding some blocks, with or without the
            item's headline.
        capacity: the largest size a post may have.
        max_block_size: the largest size ``block_size_of`` may give one block, if capped.
        block_size_of: the platform's measure of one block alone.
        has_headline: whether the first post carries a headline (it may then carry nothing
            else, rather than cut a span that would fit a post of its own).
    """

    def __init__(
        self,
        body: Body,
        size_of: SizeOf,
        capacity: int,
        *,
        max_block_size: int | None = None,
        block_size_of: Callable[[Block], int] | None = None,
        has_headline: bool = False,
    ) -> None:
        self.body = body
        self.size_of = size_of
        self.capacity = capacity
        self.max_block_size = max_block_size
        self.block_size_of = block_size_of
        self.has_headline = has_headline
        self._whole_block_ok: dict[int, bool] = {}
        self._search = CutSearch(body)
        self.forced = False  # set once a cut had to end a part with a sub-heading or cut a span
        self.roughness = 0  # how fine the cuts were: 0 per block, 1 sentence, 2 phrase, 3 grapheme

    def size(self, start: Pos, end: Pos, first: bool) -> int | None:
        """The size of a post carrying ``[start, end)``, or None if it breaks a limit."""
        pieces = self.body.materialize(start, end)
        size = self.size_of([block for block, _ in pieces], first)
        if size > self.capacity:
            return None
        # A block alone never measures more than the post holding it, so blocks need their
        # own check only when the whole post is over the per-block cap.
        if self.max_block_size is not None and size > self.max_block_size:
            for block, whole in pieces:
                if not self._block_ok(block, whole):
                    return None
        return size

    def _block_ok(self, block: Block, whole: bool) -> bool:
        assert self.max_block_size is not None
        if self.block_size_of is None:
            return True
        if not whole:
            return self.block_size_of(block) <= self.max_block_size
        ok = self._whole_block_ok.get(id(block))
        if ok is None:
            ok = self._whole_block_ok[id(block)] = self.block_size_of(block) <= self.max_block_size
        return ok

    def split(self, start: Pos, end: Pos, first: bool) -> list[Part]:
        """Cut ``[start, end)`` into parts, each within the limits, greedily from the left."""
        parts: list[Part] = []
        p = start
        while True:
            if self.size(p, end, first) is not None:
                if p != end or first:
                    parts.append((p, end, first))
                return parts
            cut = self.cut(p, end, first)
            if cut is None:  # the headline goes alone; the body starts in the next post
                parts.append((p, p, True))
            else:
                parts.append((p, cut, first))
                p = cut
            first = False

    def split_balanced(self, start: Pos, end: Pos, first: bool) -> list[Part]:
        """Like ``split``, but evens out a short last part when that is cheap."""
        self.roughness = 0
        parts = self.split(start, end, first)
        roughness = self.roughness
        if not 2 <= len(parts) <= _BALANCE_MAX_PARTS:
            return parts
        last_start, last_end, last_first = parts[-1]
        last_size = self.size(last_start, last_end, last_first) or 0
        if last_size * 3 >= self.capacity:
            return parts
        full = self.capacity
        low, high, best = full // len(parts), full, parts
        try:
            for _ in range(_BALANCE_ROUNDS):
                if high - low <= max(1, full // 50):
                    break
                self.capacity = (low + high) // 2
                self.forced, self.roughness = False, 0
                try:
                    trial = self.split(start, end, first)
                except LimitsTooSmall:
                    trial = []
                # Evening out must not cut finer (a phrase where a sentence did), nor cut a
                # span that fits a full post.
                acceptable = not self.forced and self.roughness <= roughness
                if trial and len(trial) <= len(parts) and acceptable:
                    best, high = trial, self.capacity
                else:
                    low = self.capacity
        finally:
            self.capacity = full
        return best

    def cut(self, p: Pos, q: Pos, first: bool) -> Pos | None:
        """The gentlest, fullest cut after ``p`` such that ``[p, cut)`` fits.

        Returns None when the first post should carry the headline alone.

        Raises:
            LimitsTooSmall: when not even one code point fits.
        """
        body = self.body

        def test(c: Pos) -> int | None:
            return self.size(p, c, first)

        bounds = [(b, 0) for b in range(p[0] + 1, q[0] + (1 if q[1] > 0 else 0))]
        furthest, furthest_size = furthest_fitting(bounds, test)
        options: list[Option] = []
        allowed = furthest
        while allowed >= 0 and body.glues_to_next(bounds[allowed][0] - 1):
            allowed -= 1
        if allowed >= 0:
            size = furthest_size if allowed == furthest else test(bounds[allowed])
            if size is not None:
                if size >= self.capacity * _GOOD_FILL:
                    return bounds[allowed]
                options.append((bounds[allowed], size, 0))
        overflow = bounds[furthest][0] if furthest >= 0 else p[0]
        low = p[1] if overflow == p[0] else 0
        high = q[1] if overflow == q[0] else len(body.texts[overflow])
        found, high = self._search.tier(overflow, GENTLE, low, high, test)
        options.extend(found)
        # What stops a fuller post may be a link no post can hold whole (an address of
        # thousands of characters): it will be cut anyway, so no post is left nearly empty
        # to put off cutting it.
        if all(o[1] < self.capacity * _GOOD_FILL for o in options):
            doomed = self._too_big_ahead(overflow, max((o[0] for o in options), default=p))
        else:
            doomed = None
        if doomed is not None:
            inside = self._cut_inside(overflow, max(low, doomed[0]), high, test)
            if inside is not None:
                self.forced = True
                return inside
        if options:
            best = max(size for _, size, _ in options)
            position, _, rank = next(
                option
                for option in options
                if option[1] >= self.capacity * _GOOD_FILL or option[1] * 2 >= best
            )
            self.roughness += rank
            return position
        if first and self.has_headline:
            return None
        self.forced = True
        # Gentlest first: end a part with its sub-heading when that keeps every span whole;
        # else cut a bold or code span that is too big anyway; else end with the sub-heading
        # all the same; only then cut a link or URL, and a grapheme cluster last of all.
        if furthest >= 0 and self._gentle_start(bounds[furthest], q):
            return bounds[furthest]
        for levels in (STYLED, ANY, CODEPOINTS):
            if levels is ANY and furthest >= 0:
                return bounds[furthest]
            found, high = self._search.tier(overflow, levels, low, high, test)
            if found:
                return found[0][0]
        limit = f"a post of at most {self.capacity}"
        if self.max_block_size is not None:
            limit += f" (and a block of at most {self.max_block_size})"
        raise LimitsTooSmall(
            f"{limit} cannot hold even one character of "
            f"{body.texts[overflow][:40]!r}; raise the platform's size limit"
        )

    def _cut_inside(self, b: int, start: int, high: int, test: Test) -> Pos | None:
        """A cut inside block ``b`` after ``start``, as gently as the span there allows and as
        full as a post can be, or None when no post can end there. Never inside a grapheme
        cluster: that is the last resort of ``cut``, for a cluster no post can hold."""
        for levels in (STYLED, ANY):
            found, _ = self._search.tier(b, levels, start, high, test)
            if found:
                best = max(size for _, size, _ in found)
                return next(o[0] for o in found if o[1] * 2 >= best)
        return None

    def _too_big_ahead(self, b: int, cut: Pos) -> tuple[int, int] | None:
        """The link or URL right after ``cut`` in block ``b`` when it fits no post."""
        offset = cut[1] if cut[0] == b else 0
        span = self.body.protected_after(b, offset, links_only=True)
        if span is None or span[0] > offset + 2:  # "(" or a space may stand between
            return None
        return span if self.size((b, span[0]), (b, span[1]), False) is None else None

    def _gentle_start(self, p: Pos, q: Pos) -> bool:
        """True when a post starting at ``p`` can end at a gentle cut (or hold all to ``q``)."""

        def test(c: Pos) -> int | None:
            return self.size(p, c, False)

        if test(q) is not None:
            return True
        high = q[1] if p[0] == q[0] else len(self.body.texts[p[0]])
        if self._search.tier(p[0], GENTLE, p[1], high, test)[0]:
            return True
        return (p[0] + 1, 0) < q and test((p[0] + 1, 0)) is not None
