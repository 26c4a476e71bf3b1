"""White space in HTML text, collapsed as a browser collapses it, across a block's spans.

A run of white space becomes one space and disappears at the block's ends. One that breaks a
line (a newline in the source, or a ``<br>`` with no spaces beside it) next to a wide (CJK)
character disappears, as the Markdown reader joins two lines of Japanese (and as CSS drops a
line break between East Asian characters). U+00A0 is not white space here: a browser keeps it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from core.model import Span
from core.parsing.inline import finish_spans

__all__ = ["BREAK", "collapse"]

BREAK = "\u2028"
"""What the reader puts in a run for a ``<br>``, until white space is collapsed."""
_WHITE = re.compile(r"[ \t\n\r\f\u2028]+")
_WHITE_CHARS = " \t\n\r\f\u2028"


def collapse(run: Iterable[Span]) -> tuple[Span, ...]:
    """Collapse white space as a browser does, across the spans of one block.

    A run of white space becomes one space and disappears at the block's ends. One that
    breaks a line (a newline in the source, or a ``<br>`` with no spaces beside it) next to a
    wide (CJK) character disappears, as the Markdown reader joins two lines of Japanese.
    """
    # Runs of one style, built as lists of strings: one Span per word would make merging
    # them quadratic on a long paragraph.
    out: list[tuple[Span, list[str]]] = []
    pending: str | None = None  # " ", "\n" (a source line break) or BREAK (a lone <br>)
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
    if "\n" not in gap and gap.strip(BREAK):  # spaces, even beside a <br>, stay a space
        return " "
    text, at, end = match.string, match.start(), match.end()
    return "" if _wide(text[at - 1]) or _wide(text[end]) else " "


def _gap(pending: str | None, gap: str) -> str:
    if "\n" in gap or pending == "\n":
        return "\n"  # the Markdown reader's soft break (a browser drops spaces beside it)
    if BREAK in gap and pending in (None, BREAK) and not gap.strip(BREAK):
        return BREAK
    return " "  # spaces written beside a <br> stay a space


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"
