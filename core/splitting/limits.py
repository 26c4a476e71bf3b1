"""How big one post may be on a platform, measured the way that platform measures.

Renderers (``bots/<platform>/render.py``) build a ``Limits`` for their platform; the splitter
only ever asks it questions, so core never learns how Block Kit or LINE count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.model import Block, Span, plain

# measure(headline, blocks) -> size of the post body as the platform counts it
Measure = Callable[[tuple[Span, ...] | None, Sequence[Block]], int]


def plain_measure(headline: tuple[Span, ...] | None, blocks: Sequence[Block]) -> int:
    """Characters of plain text, one newline between blocks: the default measure."""
    size = len(plain(headline)) if headline else 0
    for block in blocks:
        size += len(block.text) + 1
    return size


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as LINE counts text (a non-BMP emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class Limits:
    """The size rules for one platform's posts.

    Args:
        platform: ``slack``, ``line`` or another renderer's name.
        max_size: hard cap on ``measure(headline, blocks)`` for one post, after the renderer
            has reserved room for its own decorations.
        measure: the platform's way of counting a post body. It need not be additive or
            linear, but it must not shrink when a post carries more (a longer piece, one
            more block): the splitter searches for the furthest cut that fits, and checks a
            block alone only when the whole post is over ``max_block_size``.
        target_chars: readable length of a post in plain characters; a soft goal that decides
            where a long item is cut (at sub-headings first).
        max_block_size: hard cap on ``measure(None, [block])`` for one block, where a platform
            caps a single element (a Slack section holds 3,000 characters), else None.
        keeps_link: whether the platform can take a link to this address as a link; one it
            cannot (a 3,000-character tracking URL on Slack) has its address carried as
            text, cut across parts where needed (``core.splitting.links``). None: all.
    """

    platform: str
    max_size: int
    measure: Measure = plain_measure
    target_chars: int = 1000
    max_block_size: int | None = None
    keeps_link: Callable[[str], bool] | None = None
