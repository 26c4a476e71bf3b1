"""Issues into posts: the public entry points of the splitter.

An item becomes one post when it reads well as one and fits; otherwise it is cut first where
the readable plan says (``plan.soft_cuts``: sub-heading groups, then paragraphs and bullets,
then sentences, about ``target_chars`` a part), and every planned part that the platform
would still refuse is cut again by the packer (sentences, BudouX phrases or words, grapheme
clusters; never inside a link, a bare URL or a bold span unless it alone is too big). A link
the platform cannot take at all has its address carried as text first (``links``).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from core.model import Block, BlockKind, Issue, IssueRef, Item, Post, Section, Span, plain
from core.splitting.body import Body
from core.splitting.limits import Limits
from core.splitting.links import carry_in_blocks, carry_long_links
from core.splitting.packer import LimitsTooSmall, Packer, Part
from core.splitting.plan import soft_cuts

Headline = tuple[Span, ...] | None


def split_issue(issue: Issue, limits: Limits) -> list[Post]:
    """Every item of every section of an issue as posts, in reading order.

    Args:
        issue: the parsed ``Issue``.
        limits: the platform's size rules (its renderer's ``limits``).

    Returns:
        The posts, section by section and item by item; each item's parts numbered 1..n.
    """
    ref = issue.ref
    return [post for section in issue.sections for post in split_section(section, ref, limits)]


def split_section(section: Section, issue: IssueRef, limits: Limits) -> list[Post]:
    """The posts of one section: its items in order, each cut into parts as needed."""
    posts: list[Post] = []
    for index, item in enumerate(section.items):
        posts.extend(split_item(item, index=index, section=section, issue=issue, limits=limits))
    return posts


def split_item(
    item: Item, *, index: int, section: Section, issue: IssueRef, limits: Limits
) -> list[Post]:
    """The posts of one item: its headline on the first, its body across all of them.

    Args:
        item: the item to split.
        index: the item's index in its section (``Post.item``).
        section: the section it belongs to (key and title go on every post).
        issue: the issue it belongs to.
        limits: the platform's size rules.

    Returns:
        One post per part, ``part`` 1..``parts``; empty for an item with no text at all.

    Raises:
        LimitsTooSmall: when the limits cannot hold even one character.
    """
    headline = item.headline if item.headline and plain(item.headline).strip() else None
    blocks = item.blocks
    if limits.keeps_link is not None:
        if headline is not None:
            headline = carry_long_links(headline, limits.keeps_link)
        blocks = carry_in_blocks(blocks, limits.keeps_link)
    headline, blocks = _fit_headline(headline, blocks, limits)
    body = Body(blocks)
    if not body.blocks and headline is None:
        return []

    def size_of(post_blocks: Sequence[Block], first: bool) -> int:
        return limits.measure(headline if first else None, post_blocks)

    packer = Packer(
        body,
        size_of,
        limits.max_size,
        max_block_size=limits.max_block_size,
        block_size_of=lambda block: limits.measure(None, [block]),
        has_headline=headline is not None,
    )
    headline_chars = len(plain(headline)) if headline else 0
    edges = [(0, 0), *soft_cuts(body, headline_chars, limits.target_chars), body.end]
    parts: list[Part] = []
    for start, end in pairwise(edges):
        parts.extend(packer.split_balanced(start, end, not parts))
    return [
        Post(
            platform=limits.platform,
            issue=issue,
            section_key=section.key,
            section_title=section.title,
            item=index,
            part=number,
            parts=len(parts),
            headline=headline if first else None,
            blocks=tuple(block for block, _ in body.materialize(start, end)),
        )
        for number, (start, end, first) in enumerate(parts, start=1)
    ]


def _fit_headline(
    headline: Headline, blocks: tuple[Block, ...], limits: Limits
) -> tuple[Headline, tuple[Block, ...]]:
    """A headline the first post can carry; what does not fit opens the body instead."""
    if headline is None or limits.measure(headline, []) <= limits.max_size:
        return headline, blocks
    whole = Body([Block(BlockKind.PARAGRAPH, headline)])

    def size_of(post_blocks: Sequence[Block], first: bool) -> int:
        return limits.measure(post_blocks[0].spans if post_blocks else None, [])

    cut = Packer(whole, size_of, limits.max_size).cut((0, 0), whole.end, False)
    if cut is None:  # pragma: no cover - only a first post may carry the headline alone
        raise LimitsTooSmall("the headline cannot be cut")
    head = whole.piece(0, 0, cut[1])
    rest = whole.piece(0, cut[1], len(whole.texts[0]))
    assert head is not None and rest is not None
    return head.spans, (rest, *blocks)
