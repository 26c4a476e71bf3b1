"""Link-list sections: each top-level bullet is a story of its own.

Curated newsletters (This Week In React, Bitcoin Optech, Node.js weekly) write a section as a
list of links, one bullet per story, with no heading per story. Read as one item, such a
section is one long post that "next" pages by size; read as stories, each bullet is an item a
reader can take or skip.

A section's profile entry says so (``link_list = true``) or forbids it (``false``); without
either, an item without a headline is taken as a link list when it is long, is nearly all
top-level bullets, most of its many bullets hold a link, and the bullets tell something
(This Week In React's run 120-220 characters each). A list of bare titles (This Week in
Rust's 40-60 merged pull requests) stays one item: a post per title would flood a channel.
"""

from __future__ import annotations

from core.model import Block, BlockKind, Item

# Detection: enough bullets to be a list of stories, mostly linked, and too long to read
# as one post (the splitter's default readable length is 1,000 characters).
MIN_STORIES = 6
MIN_LINKED_SHARE = 0.75
MAX_OTHER_SHARE = 0.25  # paragraphs (lead-ins, asides) per top-level bullet
MIN_CHARS = 1500
MIN_STORY_CHARS = 80  # on average per top-level bullet


def split_stories(item: Item) -> list[Item]:
    """The item as one story per top-level bullet.

    Blocks before the first bullet stay an item of their own (with the headline, if any);
    everything after a top-level bullet (its nested bullets, its further paragraphs, a note)
    belongs to that bullet's story. The headline goes with the first item.
    """
    groups: list[list[Block]] = [[]]
    for block in item.blocks:
        if block.kind is BlockKind.BULLET and block.depth == 0 and groups[-1]:
            groups.append([])
        groups[-1].append(block)
    stories = [Item(None, tuple(group)) for group in groups if group]
    if not stories:
        return [item]
    stories[0] = Item(item.headline, stories[0].blocks)
    return stories


def looks_like_link_list(item: Item) -> bool:
    """True for a long item without a headline that is mostly a list of linked bullets."""
    if item.headline is not None:
        return False
    tops = [b for b in item.blocks if b.kind is BlockKind.BULLET and b.depth == 0]
    if len(tops) < MIN_STORIES:
        return False
    others = sum(1 for b in item.blocks if b.kind is not BlockKind.BULLET)
    if others > MAX_OTHER_SHARE * len(tops):
        return False
    linked = sum(1 for b in tops if any(span.href for span in b.spans))
    if linked < MIN_LINKED_SHARE * len(tops):
        return False
    if sum(len(b.text) for b in tops) < MIN_STORY_CHARS * len(tops):
        return False
    return sum(len(block.text) for block in item.blocks) >= MIN_CHARS
