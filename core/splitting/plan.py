"""The readable plan: where a long item is cut so each part is about ``target_chars`` long.

This is the soft rule, counted in plain characters. A sub-heading and the blocks under it
form a group; whole groups are packed; a group longer than the target comes apart at its
paragraphs and bullets, a paragraph longer than the target at its sentences. No part ends
with a sub-heading (or with a paragraph that introduces the list after it), and the parts
of an item are balanced so the last one is not a stub.
"""

from __future__ import annotations

import math

from core.model import BlockKind
from core.splitting.body import Body, Level, Pos

# An item up to 10% over the target still goes as one post; parts may run as long.
SOFT_SLACK = 1.1


def _unit_ends(body: Body, target: int) -> list[tuple[Pos, int, bool]]:
    """The body as (end, plain size, glued to the next) units, finest where needed."""
    sizes = [len(text) + 1 for text in body.texts]
    units: list[tuple[Pos, int, bool]] = []
    starts = [b for b, block in enumerate(body.blocks) if b == 0 or _opens_group(body, b)]
    for start, end in zip(starts, [*starts[1:], len(body.blocks)], strict=True):
        if sum(sizes[start:end]) <= target:
            units.append(((end, 0), sum(sizes[start:end]), False))
            continue
        for b in range(start, end):
            glued = body.glues_to_next(b) or body.introduces_list(b)
            if sizes[b] <= target:
                units.append(((b + 1, 0), sizes[b], glued))
                continue
            previous = 0
            for offset in body.candidates(b, Level.SENTENCE):
                units.append(((b, offset), offset - previous, False))
                previous = offset
            units.append(((b + 1, 0), sizes[b] - previous, glued))
    return units


def _opens_group(body: Body, b: int) -> bool:
    return body.blocks[b].kind is BlockKind.SUBHEADING and not body.glues_to_next(b - 1)


def _greedy(sizes: list[int], capacity: int) -> list[int]:
    """Indices of the units that end each part when parts are filled up to ``capacity``."""
    ends: list[int] = []
    current = 0
    for index, size in enumerate(sizes):
        if current and current + size > capacity:
            ends.append(index - 1)
            current = 0
        current += size
    ends.append(len(sizes) - 1)
    return ends


def soft_cuts(body: Body, headline_chars: int, target_chars: int) -> list[Pos]:
    """Where to cut an item for readability (hard limits are checked afterwards).

    Args:
        body: the item's body.
        headline_chars: plain length of the headline the first part carries.
        target_chars: the readable length of a post.

    Returns:
        The cut positions, in order; empty when the item reads well as one post.
    """
    capacity = max(1, math.floor(target_chars * SOFT_SLACK))
    total = headline_chars + sum(len(text) + 1 for text in body.texts)
    if total <= capacity or not body.blocks:
        return []
    units = _unit_ends(body, capacity)
    merged: list[tuple[Pos, int]] = []
    carry = headline_chars
    for end, size, glued in units:
        carry += size
        if not glued:
            merged.append((end, carry))
            carry = 0
    if carry:  # a trailing sub-heading stays with what precedes it
        if merged:
            merged[-1] = (units[-1][0], merged[-1][1] + carry)
        else:
            merged.append((units[-1][0], carry))
    sizes = [size for _, size in merged]
    ends = _greedy(sizes, capacity)
    if len(ends) > 1:
        # The smallest capacity that still needs no more parts evens the parts out.
        low, high = max(1, math.ceil(sum(sizes) / len(ends))) - 1, capacity
        while high - low > 1:
            middle = (low + high) // 2
            if len(_greedy(sizes, middle)) <= len(ends):
                high = middle
            else:
                low = middle
        ends = _greedy(sizes, high)
    return [merged[index][0] for index in ends[:-1]]
