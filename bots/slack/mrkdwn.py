"""Neutral spans and blocks → Slack mrkdwn, and the measure the splitter uses for Slack.

mrkdwn is not Markdown: ``*bold*``, ``_italic_``, ``<url|text>``, and only ``&``, ``<``, ``>``
are escaped. Slack opens a ``*``/``_`` marker only next to white space or punctuation, so bold
inside Japanese text (``の*強調*と``) shows its asterisks; a zero-width space next to such a
marker makes it work, and is what this module adds there.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from functools import lru_cache

from core.model import Block, BlockKind, Span

ZWSP = "\u200b"
_QUIET = frozenset(string.whitespace + string.punctuation)
_BULLETS = ("•", "◦", "▪")
_INDENT = "    "


def escape(text: str) -> str:
    """Escape the three characters mrkdwn reserves (and nothing else)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_USER = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#[CGD][A-Z0-9]+(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<![^>]*>")


def unescape(text: str) -> str:
    """Undo ``escape`` (what Slack does to ``&``, ``<``, ``>`` in text it sends us)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_plain(text: str) -> str:
    """What a person typed, from Slack's wire form: mentions of people dropped (the bot's
    own ``@haishin`` above all), links and channels as their text, entities decoded."""
    text = _USER.sub(" ", text)
    text = _CHANNEL.sub(lambda m: m[1] or "", text)
    text = _LINK.sub(lambda m: m[2] or m[1], text)
    text = _SPECIAL.sub(" ", text)
    # "@haishin: latest" leaves ": latest" once the mention is gone.
    return " ".join(unescape(text).split()).lstrip(":：,、 ")


def link(url: str, label: str | None = None) -> str:
    """A mrkdwn link; ``label`` is plain text (escaped here)."""
    target = (
        url.strip()
        .replace("&", "&amp;")
        .replace("<", "%3C")
        .replace(">", "%3E")
        .replace("|", "%7C")
        .replace(" ", "%20")
    )
    if not label or label == url:
        return f"<{target}>"
    return f"<{target}|{escape(label)}>"


def spans(items: Sequence[Span], *, bold: bool = False) -> str:
    """Inline spans as mrkdwn; ``bold=True`` draws all of them bold (headlines)."""
    pieces: list[tuple[str, bool]] = []  # (mrkdwn, wrapped in markers)
    for span in _merge(items):
        pieces.extend(_span(span, bold=bold or span.bold))
    out: list[str] = []
    previous_marked = False
    for text, marked in pieces:
        if out and (marked or previous_marked) and _needs_gap(out[-1][-1:], text[:1], marked):
            out.append(ZWSP)
        out.append(text)
        previous_marked = marked
    return "".join(out)


def marked(text: str, marks: Sequence[str]) -> str:
    """Plain text as mrkdwn (escaped) with every occurrence of ``marks`` in bold."""
    words = sorted({m for m in marks if m.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    found = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    lines = []
    for line in text.split("\n"):
        pieces: list[Span] = []
        at = 0
        for match in found.finditer(line):
            pieces += [Span(line[at : match.start()]), Span(match[0], bold=True)]
            at = match.end()
        pieces.append(Span(line[at:]))
        lines.append(spans(pieces))
    return "\n".join(lines)


def _needs_gap(before: str, after: str, marked: bool) -> bool:
    # A marker beside a letter (Latin or CJK) is not recognised; beside a space or ASCII
    # punctuation it is. Two marked runs side by side always need a gap.
    neighbour = before if marked else after
    if marked and before and after and before in "*_~`" and after in "*_~`":
        return True
    return bool(neighbour) and neighbour not in _QUIET


def _merge(items: Sequence[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in items:
        if not span.text:
            continue
        last = merged[-1] if merged else None
        if last is not None and (last.bold, last.italic, last.code, last.href) == (
            span.bold,
            span.italic,
            span.code,
            span.href,
        ):
            merged[-1] = Span(last.text + span.text, span.bold, span.italic, span.code, span.href)
        else:
            merged.append(span)
    return merged


def _span(span: Span, *, bold: bool) -> list[tuple[str, bool]]:
    # Markers must hug the text: "*word *" is not bold, so white space moves outside them.
    core = span.text.strip()
    if not core:
        return [(escape(span.text), False)]
    lead = span.text[: len(span.text) - len(span.text.lstrip())]
    trail = span.text[len(span.text.rstrip()) :]
    # A link keeps its address even when its text is code ([`react-native-worklets`](…)):
    # Slack shows no code style inside a link's text, so the link wins over the style.
    code = span.code and not span.href
    if code:
        body = f"`{escape(core)}`"
    elif span.href:
        body = link(span.href, core)
    else:
        body = escape(core)
    marked = code
    if span.italic and not code:
        body, marked = f"_{body}_", True
    if bold and not code:
        body, marked = f"*{body}*", True
    out: list[tuple[str, bool]] = []
    if lead:
        out.append((lead, False))
    out.append((body, marked))
    if trail:
        out.append((trail, False))
    return out


@lru_cache(maxsize=8192)
def block(item: Block) -> str:
    """One body block as mrkdwn (a paragraph, a bullet line, a bold sub-heading...)."""
    if item.kind is BlockKind.SUBHEADING:
        return spans(item.spans, bold=True)
    if item.kind is BlockKind.CODE:
        return f"```\n{escape(item.text)}\n```"
    text = spans(item.spans)
    if item.kind is BlockKind.BULLET:
        marker = f"{item.ordinal}." if item.ordinal is not None else _BULLETS[min(item.depth, 2)]
        return f"{_INDENT * item.depth}{marker} {text}"
    if item.kind is BlockKind.QUOTE:
        return "\n".join(f"> {line}" for line in text.split("\n"))
    return text


def headline(items: Sequence[Span]) -> str:
    """An item's headline: bold, links kept."""
    return spans(items, bold=True)


def separator(before: Block | None, after: Block) -> str:
    """What goes between two rendered blocks: a blank line between paragraphs, else a newline."""
    if before is None:
        return ""
    # A sub-heading sits on its text, and a list under the line that introduces it.
    if before.kind is BlockKind.SUBHEADING or after.kind is BlockKind.BULLET:
        return "\n"
    return "\n\n"


def body(head: Sequence[Span] | None, blocks: Sequence[Block]) -> str:
    """A post's headline and blocks as one mrkdwn text (what ``measure`` counts)."""
    parts = [headline(head)] if head else []
    previous: Block | None = None
    for item in blocks:
        if parts:
            parts.append(separator(previous, item) or "\n")
        parts.append(block(item))
        previous = item
    return "".join(parts)


def measure(head: tuple[Span, ...] | None, blocks: Sequence[Block]) -> int:
    """Characters of mrkdwn that ``body`` produces: the Slack ``Limits.measure``."""
    return len(body(head, blocks))
