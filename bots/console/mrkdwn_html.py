"""Slack mrkdwn → HTML, following Slack's own rules closely enough to show what readers see.

Slack opens ``*bold*``, ``_italic_`` and ``~strike~`` only where the marker follows the start,
white space or punctuation and hugs the text, so a marker glued to a Japanese letter stays a
visible asterisk: the preview shows that too, which is the point of previewing. Links
(``<url|label>``) open only for web and mail addresses. Everything else is escaped.
"""

from __future__ import annotations

import regex
from markupsafe import Markup, escape

_OPEN = "\ue000"  # placeholders for already-rendered HTML, outside any text Slack produces
_CLOSE = "\ue001"
_PLACEHOLDER = regex.compile(_OPEN + r"(\d+)" + _CLOSE)
_ANGLE = regex.compile(r"<([^<>\n]+)>")
_CODE = regex.compile(r"`([^`\n]+)`")
_FENCE = regex.compile(r"```\n?(.*?)\n?```", regex.DOTALL)
_BOUNDARY_BEFORE = r"(?<=^|[\s\p{P}\p{S}\u200b])"
_BOUNDARY_AFTER = r"(?=$|[\s\p{P}\p{S}\u200b])"
_STYLES = [
    (
        regex.compile(
            _BOUNDARY_BEFORE + marker + r"(?!\s)([^\n]+?)(?<!\s)" + marker + _BOUNDARY_AFTER
        ),
        tag,
    )
    for marker, tag in ((r"\*", "b"), (r"_", "i"), (r"~", "s"))
]
_SCHEMES = ("http://", "https://", "mailto:")


def unescape(text: str) -> str:
    """Undo Slack's three escapes (``&amp;`` ``&lt;`` ``&gt;``)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_html(text: str) -> Markup:
    """A mrkdwn text as HTML: code fences, quotes, line breaks and inline styles."""
    text = text.replace(_OPEN, "\ufffd").replace(_CLOSE, "\ufffd")
    out: list[str] = []
    position = 0
    for fence in _FENCE.finditer(text):
        out.append(_lines(text[position : fence.start()]))
        out.append(f'<pre class="sk-pre">{escape(unescape(fence.group(1)))}</pre>')
        position = fence.end()
    out.append(_lines(text[position:]))
    return Markup("".join(out))


def _lines(text: str) -> str:
    if not text:
        return ""
    pieces: list[str] = []
    quote: list[str] = []
    plain: list[str] = []

    def flush_plain() -> None:
        if plain:
            pieces.append("<br>".join(plain))
            plain.clear()

    def flush_quote() -> None:
        if quote:
            pieces.append(f'<blockquote class="sk-quote">{"<br>".join(quote)}</blockquote>')
            quote.clear()

    for line in text.split("\n"):
        if line.startswith((">", "&gt;")):
            flush_plain()
            body = line[1:] if line.startswith(">") else line[4:]
            quote.append(inline(body.removeprefix(" ")))
        else:
            flush_quote()
            plain.append(inline(line))
    flush_plain()
    flush_quote()
    return "".join(pieces)


def inline(text: str) -> str:
    """One line of mrkdwn as HTML (links, code, bold, italic, strike)."""
    rendered: list[str] = []

    def hold(fragment: str) -> str:
        rendered.append(fragment)
        return f"{_OPEN}{len(rendered) - 1}{_CLOSE}"

    text = _CODE.sub(lambda m: hold(f"<code>{escape(unescape(m.group(1)))}</code>"), text)
    text = _ANGLE.sub(lambda m: hold(_angle(m.group(1))), text)
    body = _styled(unescape(text))
    restored: str = regex.sub(_PLACEHOLDER, lambda m: rendered[int(m.group(1))], body)
    return restored


def _styled(text: str) -> str:
    """Escape ``text`` and draw the first style marker pair found, recursively."""
    best: tuple[int, regex.Match[str], str] | None = None
    for pattern, tag in _STYLES:
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), match, tag)
    if best is None:
        return str(escape(text))
    _, match, tag = best
    head, inner, tail = text[: match.start()], match.group(1), text[match.end() :]
    return f"{escape(head)}<{tag}>{_styled(inner)}</{tag}>{_styled(tail)}"


def _angle(body: str) -> str:
    target, bar, label = body.partition("|")
    shown = unescape(label) if bar else unescape(target)
    if target.startswith(("@", "#", "!")):
        # A mention (<@U123>, <#C123>, <!here>): Slack shows a name; we show the id.
        name = label or target[1:]
        mark = "#" if target.startswith("#") else "@"
        return f'<span class="sk-mention">{escape(mark + unescape(name))}</span>'
    url = unescape(target)
    if not url.lower().startswith(_SCHEMES):
        return str(escape(f"<{unescape(body)}>"))
    return (
        f'<a href="{escape(url)}" rel="noopener noreferrer nofollow" target="_blank">'
        f"{escape(shown)}</a>"
    )
