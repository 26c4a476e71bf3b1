"""The HTML reader: a feed entry's body or a whole web page, to the element stream.

Read with selectolax (lexbor), never with regular expressions over markup. What a reader of
the page sees becomes elements, as the Markdown reader would give them for the same issue:
``<h1>``..``<h6>`` headings, paragraphs, list items as bullets (with depth and number), quotes,
``<pre>`` code, data-table rows as one paragraph each; bold, italic, code and links as spans.
White space collapses as a browser collapses it, and a line break between two lines of
Japanese leaves no space (the Markdown reader's rule).

Page furniture never reaches readers: scripts, styles, navigation, page headers and footers,
asides, forms, buttons, share buttons, comment widgets, related-post lists and the like are
dropped (``core.parsing.htmlclean``). A whole page is narrowed to its article first.

Newsletters published as HTML often mark only their sections as headings and write item
headlines as plain paragraphs (``<p>🚀 CoreWeave、…</p>``), or have no headings at all. When no
heading says more than a profile section, the plain-text reader's rules decide what each
paragraph is (section title, emoji headline, sub-heading, bullet), so such a page gets the
structure its copied text would get; the HTML's own spans (bold, links) are kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from core.model import BlockKind, Issue, Span
from core.parsing.assemble import assemble, recognise_section
from core.parsing.elements import BlockElement, Element, HeadingElement, IssueMeta
from core.parsing.htmlclean import article_root, is_furniture
from core.parsing.inline import finish_spans
from core.parsing.text import read_text
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
# HTML's white space: not U+00A0, which a browser keeps.
_WHITE = re.compile(r"[ \t\n\r\f\u2028]+")
_WHITE_CHARS = " \t\n\r\f\u2028"
_BREAK = "\u2028"  # what a <br> leaves in a run until white space is collapsed
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
    if _headings_only_name_sections(elements, profile):
        elements = _classify_like_text(elements, profile)
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
            return [Span(_BREAK)]
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
                Span(_BREAK),
                *spans,
                Span(_BREAK),
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


def collapse(run: Iterable[Span]) -> tuple[Span, ...]:
    """Collapse white space as a browser does, across the spans of one block.

    A run of white space becomes one space and disappears at the block's ends. One that
    breaks a line (a newline in the source, or a ``<br>`` with no spaces beside it) next to a
    wide (CJK) character disappears, as the Markdown reader joins two lines of Japanese.
    """
    # Runs of one style, built as lists of strings: one Span per word would make merging
    # them quadratic on a long paragraph.
    out: list[tuple[Span, list[str]]] = []
    pending: str | None = None  # " ", "\n" (a source line break) or _BREAK (a lone <br>)
    owner = Span("")  # the span the pending white space was written in: it keeps its style
    last: str | None = None

    def emit(text: str, style: Span) -> None:
        if out and _same_style(out[-1][0], style):
            out[-1][1].append(text)
        else:
            out.append((style, [text]))

    for span in run:
        text = span.text
        word = text.strip(_WHITE_CHARS)
        if not word:
            if text:
                owner = span if pending is None else owner
                pending = _gap(pending, text)
            continue
        head = text[: len(text) - len(text.lstrip(_WHITE_CHARS))]
        if head:
            owner = span if pending is None else owner
            pending = _gap(pending, head)
        if pending is not None and last is not None:
            joined = pending != " " and (_wide(last) or _wide(word[0]))
            if not joined:
                emit(" ", owner)
        emit(_WHITE.sub(_inner_gap, word), span)
        pending, last = None, word[-1]
        tail = text[len(head) + len(word) :]
        if tail:
            owner, pending = span, _gap(None, tail)
    if not out:
        return ()
    return finish_spans(
        Span("".join(parts), style.bold, style.italic, style.code, style.href)
        for style, parts in out
    )


def _same_style(a: Span, b: Span) -> bool:
    return a.bold == b.bold and a.italic == b.italic and a.code == b.code and a.href == b.href


def _inner_gap(match: re.Match[str]) -> str:
    gap = match.group()
    if "\n" not in gap and gap.strip(_BREAK):  # spaces, even beside a <br>, stay a space
        return " "
    text, at, end = match.string, match.start(), match.end()
    return "" if _wide(text[at - 1]) or _wide(text[end]) else " "


def _gap(pending: str | None, gap: str) -> str:
    if "\n" in gap or pending == "\n":
        return "\n"  # the Markdown reader's soft break (a browser drops spaces beside it)
    if _BREAK in gap and pending in (None, _BREAK) and not gap.strip(_BREAK):
        return _BREAK
    return " "  # spaces written beside a <br> stay a space


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _headings_only_name_sections(elements: list[Element], profile: Profile) -> bool:
    """True when no heading but an opening title says more than a profile section does."""
    headings = [el for el in elements if isinstance(el, HeadingElement)]
    if headings and headings[0] is elements[0] and _is_title(headings, profile):
        headings = headings[1:]
    return all(recognise_section(profile, h.text) for h in headings)


def _is_title(headings: list[HeadingElement], profile: Profile) -> bool:
    first = headings[0]
    lone = all(h.level > 1 for h in headings[1:])
    return first.level == 1 and lone and recognise_section(profile, first.text) is None


def _classify_like_text(elements: list[Element], profile: Profile) -> list[Element]:
    """Let the plain-text reader's rules say what each block is; keep the HTML's spans."""
    out: list[Element] = []
    shift = 0
    first = elements[0] if elements else None
    if isinstance(first, HeadingElement) and not recognise_section(profile, first.text):
        # The page's own title stays a lone outermost heading: the assembler's document title.
        out.append(HeadingElement(1, first.spans))
        elements, shift = elements[1:], 1
    lines = [_shadow_line(el) for el in elements]
    for found in read_text("\n".join(lines), profile):
        assert found.line is not None  # the text reader numbers every element
        mine = elements[found.line - 1]
        if isinstance(found, HeadingElement):
            out.append(HeadingElement(found.level + shift, mine.spans))
        elif isinstance(mine, HeadingElement):
            out.append(HeadingElement(1 + shift, mine.spans))
        elif found.kind is BlockKind.SUBHEADING and mine.kind is BlockKind.PARAGRAPH:
            out.append(BlockElement(BlockKind.SUBHEADING, mine.spans))
        elif found.kind is BlockKind.BULLET and mine.kind is BlockKind.PARAGRAPH:
            spans = _drop_prefix(mine.spans, len(mine.text) - len(found.text))
            out.append(BlockElement(BlockKind.BULLET, spans, ordinal=found.ordinal))
        else:
            out.append(mine)
    return out


def _shadow_line(element: Element) -> str:
    if isinstance(element, BlockElement) and element.kind is BlockKind.BULLET:
        return "- " + element.text
    # One line per element: the text reader numbers lines, and we map them back.
    return " ".join(element.text.split()) or "."


def _drop_prefix(spans: tuple[Span, ...], count: int) -> tuple[Span, ...]:
    """The spans without their first ``count`` characters (a ``・`` bullet mark)."""
    out = list(spans)
    while out and count > 0:
        head = out[0]
        if len(head.text) <= count:
            count -= len(head.text)
            out.pop(0)
        else:
            out[0] = Span(head.text[count:].lstrip(), head.bold, head.italic, head.code, head.href)
            count = 0
    return tuple(out)
