"""The sample issue's items, built by hand so the splitter tests need no parser.

Only the shape the splitter cares about: the headline, paragraphs, the bullets written as a
``-`` line, the sub-heading lines, and ``**bold**`` spans.
"""

from __future__ import annotations

import re
from pathlib import Path

from core.model import Block, BlockKind, Item, Section, Span

SAMPLE = Path(__file__).resolve().parents[3] / "content" / "issues" / "2025-10-04.txt"
SUBHEADINGS = {"CoreWeaveとは?", "なぜ今、需要が集中?", "日本への示唆", "まとめ"}


def spans(line: str) -> tuple[Span, ...]:
    parts = re.split(r"\*\*", line)
    return tuple(Span(part, bold=i % 2 == 1) for i, part in enumerate(parts) if part)


def item(lines: list[str]) -> Item:
    body: list[Block] = []
    bullet = False
    for line in lines[1:]:
        if line == "-":
            bullet = True
            continue
        if line in SUBHEADINGS:
            kind = BlockKind.SUBHEADING
        else:
            kind = BlockKind.BULLET if bullet else BlockKind.PARAGRAPH
        body.append(Block(kind, spans(line)))
        bullet = False
    return Item(spans(lines[0]), tuple(body))


def sample_lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").splitlines()


def sample_topic() -> Item:
    """🚀 CoreWeave…: a ~1,140-character topic with four sub-headings."""
    lines = sample_lines()
    return item(lines[1 : lines.index("気になった記事")])


def long_topic() -> Item:
    """The sample topic grown to about 2,500 characters with two more sub-heading groups."""
    topic = sample_topic()
    summary = topic.blocks[-6:]  # まとめ and its five paragraphs
    lead = topic.blocks[0]
    extra = (
        Block(BlockKind.SUBHEADING, (Span("今後の展望"),)),
        *summary[1:4],
        Block(BlockKind.SUBHEADING, (Span("リスク"),)),
        lead,
        *summary[4:],
        *summary[1:3],
        Block(BlockKind.SUBHEADING, (Span("海外の反応"),)),
        topic.blocks[6],
        topic.blocks[8],
        *summary[3:5],
    )
    return Item(topic.headline, topic.blocks + extra)


def shorts() -> Section:
    lines = sample_lines()
    start, end = lines.index("小ネタ2本"), lines.index("編集後記")
    return Section(
        "shorts", "小ネタ2本", (item(lines[start + 1 : start + 3]), item(lines[start + 3 : end]))
    )


def afterword() -> Section:
    lines = sample_lines()
    start, end = lines.index("編集後記"), lines.index("コメント")
    body = tuple(Block(BlockKind.PARAGRAPH, spans(line)) for line in lines[start + 1 : end])
    return Section("afterword", "編集後記", (Item(None, body),))
