"""The Markdown reader: markdown-it-py tokens, walked once, to the element stream.

- ``#``..``######`` headings become heading elements (the assembler decides their role).
- Paragraphs become paragraph blocks; the first paragraph of a list item a bullet (with its
  nesting depth and, in an ordered list, its number); paragraphs in a blockquote quotes.
- Fenced and indented code become code blocks; table rows become paragraphs of their cells.
- Raw HTML blocks are read by ``core.parsing.htmlblock``; HTML comments disappear there.
- Thematic breaks (``----``) are markup and leave nothing.
- Site generators' syntax (Liquid and Hugo tags, MDX, admonitions) is reduced before this
  reader runs (``core.parsing.dialects``).
- Footnotes (``[^note]`` and ``[^note]: …``, mdit-py-plugins) go with the item that refers to
  them (``core.parsing.footnotes``): the reference reads ``[1]`` and the note ``[1] …``.
- Heading ids (``## React {#react}``, kramdown's ``{: #id}``) are markup and leave nothing.
- A link to a page of the same site (``/docs/x``, ``../post.md``, ``#anchor``) has no address
  a chat reader could open: its text stays, without the link. So does the text of a reference
  link defined outside the file (``[Taproot][topic taproot]`` shows ``Taproot``).

A soft line break joins two lines with a space, except between two CJK characters, where
Japanese takes none. A hard line break (a trailing ``\\`` or two spaces, ``<br>``) stays a
line break.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from core.model import BlockKind, Span
from core.parsing.elements import BlockElement, Element, HeadingElement
from core.parsing.footnotes import place_notes
from core.parsing.htmlblock import read_html_block
from core.parsing.inline import finish_spans, unresolved_references

_MD = (
    MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).use(footnote_plugin)
)
_BR = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_HEADING_ID = re.compile(r"\s*\{:?\s*#[^{}\s]+(?:\s+[^{}]*)?\}\s*$")
_LINKABLE = ("http://", "https://", "mailto:")
_HEADING, _PARAGRAPH, _CELL = 1, 2, 3


def read_markdown(body: str, *, first_line: int = 1) -> list[Element]:
    """Turn Markdown into the element stream.

    Args:
        body: the Markdown after any front matter.
        first_line: the source line number of the body's first line.

    Returns:
        The elements in document order.
    """
    body_out: list[Element] = []
    out = body_out
    notes: dict[int, list[Element]] = {}  # footnote id -> the note's elements
    cited: dict[int, int] = {}  # footnote id -> index in body_out of the block citing it
    lists: list[int | None] = []  # per open list: the last ordinal given, None if unordered
    fresh: list[bool] = []  # per open list item: its first paragraph is still to come
    quote = 0
    row: list[tuple[Span, ...]] = []
    context = _PARAGRAPH
    level = 0
    line: int | None = None
    for token in _MD.parse(body):
        kind = token.type
        if token.map is not None:
            line = token.map[0] + first_line
        if kind == "inline":
            children = token.children or ()
            spans = inline_spans(children)
            if not spans:
                continue
            if out is body_out:
                for child in children:
                    if child.type == "footnote_ref":
                        cited.setdefault(child.meta["id"], len(body_out))
            if context == _HEADING:
                # A heading is one line: a <br> in it ("2021年のまとめ<br>Taprootの有効化") parts
                # its two halves with a space.
                spans = _without_heading_id(_one_line(spans))
                if spans:
                    out.append(HeadingElement(level, spans, line))
            elif context == _CELL:
                row.append(spans)
            elif fresh and fresh[-1]:
                fresh[-1] = False
                out.append(BlockElement(BlockKind.BULLET, spans, line, len(lists) - 1, lists[-1]))
            else:
                block = BlockKind.QUOTE if quote and not fresh else BlockKind.PARAGRAPH
                out.append(BlockElement(block, spans, line))
        elif kind == "paragraph_open":
            context = _PARAGRAPH
        elif kind == "heading_open":
            context, level = _HEADING, int(token.tag[1:])
        elif kind in ("th_open", "td_open"):
            context = _CELL
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            out.extend(_row(row, line))
        elif kind == "bullet_list_open":
            lists.append(None)
        elif kind == "ordered_list_open":
            lists.append(int(token.attrGet("start") or 1) - 1)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            fresh.append(True)
            if lists and lists[-1] is not None:
                lists[-1] = int(token.info) if token.info.isdigit() else lists[-1] + 1
        elif kind == "list_item_close":
            fresh.pop()
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind in ("fence", "code_block"):
            code = token.content.rstrip("\n")
            if code.strip():
                out.append(BlockElement(BlockKind.CODE, (Span(code, code=True),), line))
        elif kind == "html_block":
            out.extend(read_html_block(token.content, line=line))
        elif kind == "footnote_open":
            out = notes.setdefault(token.meta["id"], [])
            mark = f"[{token.meta['id'] + 1}] "
            out.append(BlockElement(BlockKind.PARAGRAPH, (Span(mark),), line))
        elif kind == "footnote_close":
            out = body_out
    return place_notes(body_out, notes, cited)


def _one_line(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    if not any("\n" in span.text for span in spans):
        return spans
    return finish_spans(
        Span(span.text.replace("\n", " "), span.bold, span.italic, span.code, span.href)
        for span in spans
    )


def _without_heading_id(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    """A heading without a trailing ``{#id}`` / ``{: #id .class}`` attribute list."""
    last = spans[-1]
    if last.code or "{" not in last.text:
        return spans
    text = _HEADING_ID.sub("", last.text)
    if text == last.text:
        return spans
    rest = (Span(text, last.bold, last.italic, last.code, last.href),) if text else ()
    kept = spans[:-1] + rest
    return finish_spans(kept) if kept else ()


def _row(cells: list[tuple[Span, ...]], line: int | None) -> list[Element]:
    spans: list[Span] = []
    for cell in cells:
        if spans:
            spans.append(Span(" | "))
        spans.extend(cell)
    return [BlockElement(BlockKind.PARAGRAPH, tuple(spans), line)] if spans else []


def inline_spans(children: Sequence[Token]) -> tuple[Span, ...]:
    """The spans of a markdown-it inline token's children."""
    spans: list[Span] = []
    bold = italic = 0
    hrefs: list[str | None] = []
    pending_break = False
    for child in children:
        kind = child.type
        code = False
        if kind == "text":
            text = child.content
        elif kind == "code_inline":
            text, code = child.content, True
        elif kind == "softbreak":
            pending_break = True
            continue
        elif kind == "hardbreak":
            if spans:
                spans.append(Span("\n"))
            pending_break = False
            continue
        elif kind == "footnote_ref":
            text = f"[{child.meta['id'] + 1}]"
        elif kind == "strong_open":
            bold += 1
            continue
        elif kind == "strong_close":
            bold -= 1
            continue
        elif kind == "em_open":
            italic += 1
            continue
        elif kind == "em_close":
            italic -= 1
            continue
        elif kind == "link_open":
            href = child.attrGet("href")
            hrefs.append(str(href) if href is not None and _opens(str(href)) else None)
            continue
        elif kind == "link_close":
            if hrefs:
                hrefs.pop()
            continue
        elif kind == "image":
            text = "".join(c.content for c in child.children or () if c.type == "text")
        elif kind == "html_inline":
            if _BR.match(child.content):
                if spans:
                    spans.append(Span("\n"))
                pending_break = False
            continue
        else:
            continue  # strikethrough markers and the like: markup only
        if not text:
            continue
        if pending_break:
            pending_break = False
            if spans and not (_wide(spans[-1].text[-1]) and _wide(text[0])):
                # Styled as what it joins, so a link or bold run over two lines stays one.
                spans.append(Span(" ", bold > 0, italic > 0, False, hrefs[-1] if hrefs else None))
        spans.append(Span(text, bold > 0, italic > 0, code, hrefs[-1] if hrefs else None))
    while spans and spans[-1].text == "\n":
        spans.pop()
    return unresolved_references(finish_spans(spans))


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _opens(href: str) -> bool:
    """True for a link a chat reader can open: http(s) or mail, not a path of the site."""
    return href.lower().startswith(_LINKABLE)
