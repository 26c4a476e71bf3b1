"""The HTML reader: a feed entry's body or a whole web page, to the element stream.

Read with selectolax (lexbor), never with regular expressions over markup. What a reader of
the page sees becomes elements, as the Markdown reader would give them for the same issue:
``<h1>``..``<h6>`` headings, paragraphs, list items as bullets (with depth and number), quotes,
``<pre>`` code, data-table rows as one paragraph each; bold, italic, code and links as spans.
White space collapses as a browser collapses it, and a line break between two lines of
Japanese leaves no space (the Markdown reader's rule; ``core.parsing.htmlspace``).

Page furniture never reaches readers: scripts, styles, navigation, page headers and footers,
asides, forms, buttons, share buttons, comment widgets, related-post lists and the like are
dropped (``core.parsing.htmlclean``). A whole page is narrowed to its article first.

Newsletters published as HTML often mark only their sections as headings and write item
headlines as plain paragraphs (``<p>🚀 CoreWeave、…</p>``), or have no headings at all. When no
heading says more than a profile section, the plain-text reader's rules decide what each
paragraph is (section title, emoji headline, sub-heading, bullet), so such a page gets the
structure its copied text would get; the HTML's own spans (bold, links) are kept
(``core.parsing.htmlflat``).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from core.model import BlockKind, Issue, Span
from core.parsing.assemble import assemble
from core.parsing.elements import BlockElement, Element, HeadingElement, IssueMeta
from core.parsing.htmlclean import article_root, is_furniture
from core.parsing.htmlflat import classify_like_text, headings_only_name_sections
from core.parsing.htmlspace import BREAK, collapse
from core.profile import Profile

__all__ = ["parse_html", "read_html"]

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LISTS = frozenset(("ul", "ol"))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_BLOCKS = _words(
    "p div blockquote section article main figure figcaption dl dt dd li address details "
    "summary center fieldset hr hgroup search tbody thead tfoot tr td th caption"
)
_CELL_BLOCKS = frozenset((*_HEADINGS, *_LISTS, "p", "div", "table", "pre", "blockquote"))
_NOT_LINKS = frozenset(("javascript", "vbscript", "data"))


def parse_html(
    html: str,
    *,
    name: str,
    profile: Profile,
    meta: IssueMeta | None = None,
    base: str | None = None,
) -> Issue:
    """Parse an issue from HTML: a feed entry's body or a web page.

    Args:
        html: the markup, already decoded.
        name: the feed entry or page, for messages (``https://…/feed#entry-id``).
        profile: the newsletter profile (``Profile.default()`` when there is none).
        meta: what the feed says about the entry (title, date).
        base: the URL relative links resolve against (the entry's page).

    Returns:
        The issue, built by the same assembler as text and Markdown issues.

    Raises:
        ContentError: nothing readable is left once the page furniture is dropped.
    """
    return assemble(read_html(html, profile, base=base), profile, meta=meta, source=name)


def read_html(html: str, profile: Profile, *, base: str | None = None) -> list[Element]:
    """Turn HTML into the element stream.

    Args:
        html: a fragment (an entry's ``content:encoded``) or a whole page.
        profile: recognises section titles, for pages whose headings are only sections.
        base: the URL relative links resolve against (a page's ``<base href>`` is applied
            to it); links stay as written without one.

    Returns:
        The elements in document order.
    """
    tree = LexborHTMLParser(html)
    root = article_root(tree)
    declared = tree.css_first("base[href]")
    if declared is not None:
        base = urljoin(base or "", declared.attributes.get("href") or "")
    walker = _Walker(base)
    if root is not None:
        walker.container(root)
    elements = walker.out
    if headings_only_name_sections(elements, profile):
        elements = classify_like_text(elements, profile)
    return elements


class _Walker:
    """One pass over the tree, in document order, keeping the Markdown reader's contexts."""

    def __init__(self, base: str | None) -> None:
        self.base = base
        self.out: list[Element] = []
        self.quote = 0
        self.lists = 0
        # Per open list item: (depth, number) while its first paragraph is still to come.
        self.fresh: list[tuple[int, int | None] | None] = []

    def container(self, node: LexborNode) -> None:
        run: list[Span] = []
        for child in node.iter(include_text=True):
            tag = child.tag or ""
            if tag == "-text":
                run.append(Span(child.text(deep=False) or ""))
            elif tag.startswith("-") or is_furniture(child):
                continue
            elif tag in _HEADINGS:
                self.flush(run)
                self.heading(child)
            elif tag == "header":
                self.flush(run)  # only its headings: the rest is a byline, a date, buttons
                for heading in child.css("h1, h2, h3, h4, h5, h6"):
                    self.heading(heading)
            elif tag in _LISTS:
                self.flush(run)
                self.bullets(child)
            elif tag == "pre":
                self.flush(run)
                code = (child.text(deep=True) or "").rstrip("\n")
                if code.strip():
                    self.out.append(BlockElement(BlockKind.CODE, (Span(code, code=True),)))
            elif tag == "table":
                self.flush(run)
                self.table(child)
            elif tag in _BLOCKS:
                self.flush(run)
                self.quote += tag == "blockquote"
                self.container(child)
                self.quote -= tag == "blockquote"
            else:
                run.extend(self.inline(child, Span("")))
        self.flush(run)

    def heading(self, node: LexborNode) -> None:
        spans = collapse(self.inline(node, Span("")))
        if spans:
            self.out.append(HeadingElement(_HEADINGS[node.tag or "h1"], spans))

    def bullets(self, node: LexborNode) -> None:
        ordered = node.tag == "ol"
        number = _int(node.attributes.get("start"), 1) - 1
        self.lists += 1
        for item in node.iter(include_text=False):
            if item.tag != "li" or is_furniture(item):
                continue
            number = _int(item.attributes.get("value"), number + 1)
            self.fresh.append((self.lists - 1, number if ordered else None))
            self.container(item)
            self.fresh.pop()
        self.lists -= 1

    def table(self, node: LexborNode) -> None:
        if node.css_first(", ".join(f"td {t}, th {t}" for t in _CELL_BLOCKS)) is not None:
            self.container(node)  # a layout table: its cells hold whole blocks
            return
        for row in node.css("tr"):
            spans: list[Span] = []
            for cell in row.iter(include_text=False):
                if cell.tag not in ("td", "th"):
                    continue
                text = collapse(self.inline(cell, Span("")))
                if text:
                    spans.extend([Span(" | ")] if spans else [])
                    spans.extend(text)
            if spans:
                self.out.append(BlockElement(BlockKind.PARAGRAPH, tuple(spans)))

    def inline(self, node: LexborNode, style: Span) -> list[Span]:
        """The text of an inline element, styled by the tags around it."""
        tag = node.tag or ""
        if tag == "-text":
            return [
                Span(node.text(deep=False) or "", style.bold, style.italic, style.code, style.href)
            ]
        if tag.startswith("-") or is_furniture(node):
            return []
        if tag == "br":
            return [Span(BREAK)]
        if tag == "img":
            alt = (node.attributes.get("alt") or "").strip()
            return [Span(alt, style.bold, style.italic, href=style.href)] if alt else []
        if tag in ("b", "strong"):
            style = Span("", True, style.italic, style.code, style.href)
        elif tag in ("i", "em"):
            style = Span("", style.bold, True, style.code, style.href)
        elif tag in ("code", "kbd", "samp", "tt"):
            style = Span("", style.bold, style.italic, True, style.href)
        elif tag == "a" and (href := self.link(node.attributes.get("href"))):
            style = Span("", style.bold, style.italic, style.code, href)
        spans: list[Span] = []
        for child in node.iter(include_text=True):
            spans.extend(self.inline(child, style))
        if tag in _BLOCKS or tag in _HEADINGS:
            spans = [
                Span(BREAK),
                *spans,
                Span(BREAK),
            ]  # a block inside a link still breaks a line
        return spans

    def link(self, href: str | None) -> str | None:
        """The link target as readers can follow it: absolute, and never a script."""
        href = (href or "").strip()
        if not href or urlsplit(href).scheme.lower() in _NOT_LINKS:
            return None
        return urljoin(self.base, href) if self.base else href

    def flush(self, run: list[Span]) -> None:
        spans = collapse(run)
        run.clear()
        if not spans:
            return
        fresh = self.fresh[-1] if self.fresh else None
        if fresh is not None:
            self.fresh[-1] = None
            depth, number = fresh
            self.out.append(BlockElement(BlockKind.BULLET, spans, depth=depth, ordinal=number))
        else:
            kind = BlockKind.QUOTE if self.quote and not self.fresh else BlockKind.PARAGRAPH
            self.out.append(BlockElement(kind, spans))


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
