"""Raw HTML inside Markdown (JSer.info's ``<h1 class="site-genre">``, tag paragraphs, embeds).

Read with selectolax (lexbor), never with regular expressions: headings become heading
elements, lists become bullets, ``<pre>`` code, other block containers paragraphs (quotes inside
``<blockquote>``). Comments, scripts, styles and iframes carry no newsletter text and are
dropped; every other piece of text is kept.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from core.model import BlockKind, Span
from core.parsing.elements import BlockElement, Element, HeadingElement
from core.parsing.inline import finish_spans

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SKIP = frozenset(
    [
        "-comment",
        "script",
        "style",
        "iframe",
        "noscript",
        "template",
        "object",
        "embed",
        "svg",
        "canvas",
        "head",
    ]
)
_LISTS = frozenset(("ul", "ol"))
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "blockquote",
        "section",
        "article",
        "aside",
        "header",
        "footer",
        "main",
        "nav",
        "figure",
        "figcaption",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "dl",
        "dt",
        "dd",
        "li",
        "address",
        "details",
        "summary",
        "center",
        "form",
        "fieldset",
        "hr",
    ]
)
_SPACE = re.compile(r"\s+")


def read_html_block(html: str, *, line: int | None = None) -> list[Element]:
    """Turn a fragment of HTML into elements.

    Args:
        html: the fragment (a Markdown ``html_block`` or a feed entry's body).
        line: the source line the fragment starts on; every element gets it.

    Returns:
        Headings and blocks in document order; an empty list for a comment or an embed.
    """
    tree = LexborHTMLParser(html)
    walker = _Walker(line)
    if tree.body is not None:
        walker.container(tree.body, quote=False, depth=-1)
    return walker.out


class _Walker:
    def __init__(self, line: int | None) -> None:
        self.line = line
        self.out: list[Element] = []

    def container(self, node: LexborNode, *, quote: bool, depth: int) -> None:
        """Emit a block container's children: runs of inline content become one block each."""
        run: list[Span] = []
        for child in node.iter(include_text=True):
            tag = child.tag or ""
            if tag == "-text":
                run.append(Span(child.text(deep=False) or ""))
            elif tag in _SKIP:
                continue
            elif tag in _HEADINGS:
                self.flush(run, quote=quote)
                spans = _clean(self.inline(child, Span("")))
                if spans:
                    self.out.append(HeadingElement(_HEADINGS[tag], spans, self.line))
            elif tag in _LISTS:
                self.flush(run, quote=quote)
                self.bullets(child, quote=quote, depth=depth + 1, ordered=tag == "ol")
            elif tag == "pre":
                self.flush(run, quote=quote)
                code = (child.text(deep=True) or "").strip("\n")
                if code.strip():
                    self.out.append(
                        BlockElement(BlockKind.CODE, (Span(code, code=True),), self.line)
                    )
            elif tag in _BLOCKS:
                self.flush(run, quote=quote)
                self.container(child, quote=quote or tag == "blockquote", depth=depth)
            else:
                run.extend(self.inline(child, Span("")))
        self.flush(run, quote=quote)

    def bullets(self, node: LexborNode, *, quote: bool, depth: int, ordered: bool) -> None:
        number = 0
        for item in node.iter(include_text=False):
            if item.tag != "li":
                continue
            number += 1
            run: list[Span] = []
            nested: list[LexborNode] = []
            for child in item.iter(include_text=True):
                tag = child.tag or ""
                if tag == "-text":
                    run.append(Span(child.text(deep=False) or ""))
                elif tag in _LISTS:
                    nested.append(child)
                elif tag not in _SKIP:
                    run.extend(self.inline(child, Span("")))
            spans = _clean(run)
            if spans:
                self.out.append(
                    BlockElement(
                        BlockKind.BULLET,
                        spans,
                        self.line,
                        depth=max(depth, 0),
                        ordinal=number if ordered else None,
                    )
                )
            for child in nested:
                self.bullets(child, quote=quote, depth=depth + 1, ordered=child.tag == "ol")

    def inline(self, node: LexborNode, style: Span) -> list[Span]:
        """The text of an inline element, styled by the tags around it."""
        tag = node.tag or ""
        if tag == "-text":
            text = node.text(deep=False) or ""
            return [Span(text, style.bold, style.italic, style.code, style.href)]
        if tag in _SKIP:
            return []
        if tag == "br":
            return [Span(" ")]
        if tag == "img":
            alt = (node.attributes.get("alt") or "").strip()
            return [Span(alt, href=style.href)] if alt else []
        if tag in ("b", "strong"):
            style = Span("", True, style.italic, style.code, style.href)
        elif tag in ("i", "em"):
            style = Span("", style.bold, True, style.code, style.href)
        elif tag in ("code", "kbd", "samp", "tt"):
            style = Span("", style.bold, style.italic, True, style.href)
        elif tag == "a" and node.attributes.get("href"):
            style = Span("", style.bold, style.italic, style.code, node.attributes.get("href"))
        spans: list[Span] = []
        for child in node.iter(include_text=True):
            spans.extend(self.inline(child, style))
        return spans

    def flush(self, run: list[Span], *, quote: bool) -> None:
        spans = _clean(run)
        run.clear()
        if spans:
            kind = BlockKind.QUOTE if quote else BlockKind.PARAGRAPH
            self.out.append(BlockElement(kind, spans, self.line))


def _clean(run: list[Span]) -> tuple[Span, ...]:
    """Collapse HTML white space as a browser does and trim the block's ends."""
    spans = [Span(_SPACE.sub(" ", s.text), s.bold, s.italic, s.code, s.href) for s in run if s.text]
    while spans and not spans[0].text.strip():
        spans.pop(0)
    while spans and not spans[-1].text.strip():
        spans.pop()
    if not spans:
        return ()
    first = spans[0]
    spans[0] = Span(first.text.lstrip(), first.bold, first.italic, first.code, first.href)
    last = spans[-1]
    spans[-1] = Span(last.text.rstrip(), last.bold, last.italic, last.code, last.href)
    return finish_spans(spans)
