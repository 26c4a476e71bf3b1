"""Inline helpers shared by the readers: bold markers, bare URLs, span merging.

``**bold**`` is paired here rather than left to a Markdown engine because CommonMark's
flanking rules refuse to close ``**“ネオクラウド”**と…`` (punctuation before the marker, a letter
after it), which is how Japanese newsletters write bold; the plain-text form has no engine at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from core.model import Span

# ASCII only: a URL in Japanese text is followed directly by Japanese ("https://x.comで").
_URL = re.compile(r"https?://[!-~]+")
_URL_TRAILING = ".,;:!?'\"*"
_CLOSERS = {")": "(", "]": "[", "}": "{", ">": "<"}
_OPENERS = frozenset(_CLOSERS.values())
# A reference link whose definition lives elsewhere (a Jekyll include): CommonMark shows
# "[Taproot][topic taproot]" and "[BIP353][]" as typed; the reader saw only the text.
# Only labels no prose would put in brackets: empty ("[BIP353][]"), with a space ("[topic
# taproot]") or a lower-case word ("[guidelines]"); "[ZH][EN]" is text.
_UNRESOLVED = re.compile(r"\[([^\[\]]+)\]\[(|[^\[\]]*\s[^\[\]]*|[a-z][a-z0-9_-]{2,})\]")


def merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Join neighbouring spans of the same style and drop empty ones."""
    out: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        if out:
            last = out[-1]
            if (last.bold, last.italic, last.code, last.href) == (
                span.bold,
                span.italic,
                span.code,
                span.href,
            ):
                out[-1] = replace(last, text=last.text + span.text)
                continue
        out.append(span)
    return tuple(out)


def pair_bold(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    """Turn literal ``**`` markers into bold spans, pairing them in order.

    Markers inside code stay literal; an odd last marker stays literal too, so no text is lost.
    """
    if not any("**" in s.text for s in spans if not s.code):
        return spans
    # (span index, offset) of every marker, then pair them up in order.
    marks = [
        (index, match.start())
        for index, span in enumerate(spans)
        if not span.code
        for match in re.finditer(r"\*\*", span.text)
    ]
    if len(marks) % 2:
        marks.pop()
    if not marks:
        return spans
    cuts: dict[int, list[int]] = {}
    for index, offset in marks:
        cuts.setdefault(index, []).append(offset)
    out: list[Span] = []
    bold = False
    for index, span in enumerate(spans):
        offsets = cuts.get(index)
        if not offsets:
            out.append(replace(span, bold=span.bold or bold))
            continue
        start = 0
        for offset in offsets:
            out.append(replace(span, text=span.text[start:offset], bold=span.bold or bold))
            bold = not bold
            start = offset + 2
        out.append(replace(span, text=span.text[start:], bold=span.bold or bold))
    return merge_spans(out)


def _trim_url(url: str) -> str:
    while url:
        last = url[-1]
        unbalanced = last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])
        if last in _URL_TRAILING or last in _OPENERS or unbalanced:
            url = url[:-1]
        else:
            break
    return url


def linkify(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    """Make bare ``http(s)://`` URLs in plain text spans into link spans."""
    if not any("://" in s.text for s in spans if s.href is None and not s.code):
        return spans
    out: list[Span] = []
    for span in spans:
        if span.href is not None or span.code or "://" not in span.text:
            out.append(span)
            continue
        start = 0
        for match in _URL.finditer(span.text):
            url = _trim_url(match.group())
            if "://" not in url or url.endswith("://"):
                continue
            out.append(replace(span, text=span.text[start : match.start()]))
            out.append(replace(span, text=url, href=url))
            start = match.start() + len(url)
        out.append(replace(span, text=span.text[start:]))
    return merge_spans(out)


def finish_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    """The last step of every reader: pair ``**`` markers, merge, link bare URLs.

    Markers are paired before neighbouring spans merge, so two single ``*`` that met when an
    inline comment between them was dropped never pose as one ``**``.
    """
    spans = tuple(spans)
    if len(spans) == 1:
        text = spans[0].text
        if not text or ("**" not in text and "://" not in text):
            return spans if text else ()
    return linkify(merge_spans(pair_bold(spans)))


def unresolved_references(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    """Spans without the brackets of reference links CommonMark left as text.

    The label may hold code or bold (``[`rawtr()`][topic descriptors]``); the brackets
    themselves must be plain text.
    """
    text = "".join(span.text for span in spans)
    if "][" not in text:
        return spans
    plain_at: list[bool] = []
    for span in spans:
        plain_at += [not span.code] * len(span.text)
    cut: set[int] = set()
    for match in _UNRESOLVED.finditer(text):
        start, inner_end, end = match.start(), match.end(1), match.end()
        if plain_at[start] and all(plain_at[inner_end:end]):
            cut.add(start)
            cut.update(range(inner_end, end))
    if not cut:
        return spans
    out: list[Span] = []
    offset = 0
    for span in spans:
        kept = "".join(ch for i, ch in enumerate(span.text, offset) if i not in cut)
        offset += len(span.text)
        if kept:
            out.append(Span(kept, span.bold, span.italic, span.code, span.href))
    return tuple(out)
