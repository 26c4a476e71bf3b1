"""The Markdown reader: markdown-it-py tokens, walked once, to the element stream.

- ``#``..``######`` headings become heading elements (the assembler decides their role).
- Paragraphs become paragraph blocks; the first paragraph of a list item a bullet (with its
  nesting depth and, in an ordered list, its number); paragraphs in a blockquote quotes.
- Fenced and indented code become code blocks; table rows become paragraphs of their cells.
- Raw HTML blocks are read by ``core.parsing.htmlblock``; HTML comments disappear there.
- Thematic breaks (``----``) are markup and leave nothing.
- Liquid ``{% … %}`` and Hugo ``{{< … >}}`` shortcodes are ordinary text to CommonMark and are
  kept as such.

A soft line break joins two lines with a space, except between two CJK characters, where
Japanese takes none: every block is one line of text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from core.model import BlockKind, Span
from core.parsing.elements import BlockElement, Element, HeadingElement
from core.parsing.htmlblock import read_html_block
from core.parsing.inline import finish_spans

_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_BR = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_HEADING, _PARAGRAPH, _CELL = 1, 2, 3


def read_markdown(body: str, *, first_line: int = 1) -> list[Element]:
    """Turn Markdown into the element stream.

    Args:
        body: the Markdown after any front matter.
        first_line: the source line number of the body's first line.

    Returns:
        The elements in document order.
    """
    out: list[Element] = []
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
            spans = inline_spans(token.children or ())
            if not spans:
                continue
            if context == _HEADING:
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
    return out


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
        elif kind in ("softbreak", "hardbreak"):
            pending_break = True
            continue
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
            hrefs.append(str(href) if href is not None else None)
            continue
        elif kind == "link_close":
            if hrefs:
                hrefs.pop()
            continue
        elif kind == "image":
            text = "".join(c.content for c in child.children or () if c.type == "text")
        elif kind == "html_inline":
            pending_break = pending_break or bool(_BR.match(child.content))
            continue
        else:
            continue  # strikethrough markers and the like: markup only
        if not text:
            continue
        if pending_break:
            pending_break = False
            if spans and not (_wide(spans[-1].text[-1]) or _wide(text[0])):
                spans.append(Span(" "))
        spans.append(Span(text, bold > 0, italic > 0, code, hrefs[-1] if hrefs else None))
    return finish_spans(spans)


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"
