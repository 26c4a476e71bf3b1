"""Links too long for a platform: their address carried as text instead of a broken post.

Tracking links of thousands of characters exist. A platform takes a link only up to a size
(a Slack section holds 3,000 characters, its link markup included); past it no post could
hold even one character of the link. Such a link keeps its text; its address follows it in
the post as text (``the article (https://…)``), marked ``carried`` so that ``Post.text``
stays the newsletter's text, and is cut across parts like any long text. A bare URL that is
too long is text already: it only stops being a link. Either way it is drawn as code, so no
platform turns a piece of it into a link to a truncated address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from core.model import Block, Section, Span

KeepsLink = Callable[[str], bool]


def carry_long_links(spans: tuple[Span, ...], keeps_link: KeepsLink) -> tuple[Span, ...]:
    """The spans with every link the platform cannot take rewritten as text (see module)."""
    if not any(span.href and not keeps_link(span.href) for span in spans):
        return spans
    out: list[Span] = []
    for span in spans:
        href = span.href
        if href is None or keeps_link(href):
            out.append(span)
        elif span.text.strip() == href:
            out.append(replace(span, href=None, code=True))
        else:
            out.append(replace(span, href=None))
            out.append(Span(" (", carried=True))
            out.append(Span(href, code=True, carried=True))
            out.append(Span(")", carried=True))
    return tuple(out)


def carry_in_blocks(blocks: Sequence[Block], keeps_link: KeepsLink) -> tuple[Block, ...]:
    """``carry_long_links`` over every block."""
    out = []
    for block in blocks:
        spans = carry_long_links(block.spans, keeps_link)
        out.append(block if spans is block.spans else replace(block, spans=spans))
    return tuple(out)


def long_links(section: Section, keeps_link: KeepsLink | None) -> list[str]:
    """The addresses in a section a platform cannot take as links, in order, each once."""
    if keeps_link is None:
        return []
    found: dict[str, None] = {}
    for item in section.items:
        for spans in _all_spans(item.headline, item.blocks):
            for span in spans:
                if span.href and not keeps_link(span.href):
                    found.setdefault(span.href)
    return list(found)


def _all_spans(
    headline: tuple[Span, ...] | None, blocks: Iterable[Block]
) -> Iterable[tuple[Span, ...]]:
    if headline:
        yield headline
    for block in blocks:
        yield block.spans
