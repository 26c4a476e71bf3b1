"""The digest as a Flex carousel: one bubble per section, each with a "読む" button.

Limits (LINE Messaging API reference, Flex Message): a bubble's JSON ≤ 30 KB, a carousel's
≤ 50 KB and ≤ 12 bubbles of one size, ``altText`` ≤ 400 characters, Flex action labels ≤ 40.
Texts here are short by construction (headline and excerpt are capped), and ``fit`` checks
the sizes anyway so a surprising issue can never produce a message LINE refuses.

An issue of more than 12 sections (a yearly review has one a month) still reaches every
section from the one message: the last bubble lists the sections beyond the first eleven,
a button each. One message, not a second carousel, so a push costs what it always did.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bots.line.postback import MAX_DISPLAY, encode, label
from bots.line.texts import say
from core.model import IssueRef, Overview, SectionSummary, Span

# The message objects are plain JSON dicts, shaped as LINE's Messaging API reference says
# (``FlexMessage``, ``FlexBubble``...); the fake LINE API checks them against its OpenAPI spec.
Json = dict[str, Any]

MAX_BUBBLES = 12
BUBBLE_MAX_BYTES = 30_000
CAROUSEL_MAX_BYTES = 50_000
ALT_TEXT_MAX = 400
FLEX_LABEL_MAX = 40
HEADLINE_MAX = 120
ACCENT = "#06C755"  # LINE green
MUTED = "#888888"


def json_size(document: Any) -> int:
    """Bytes of a JSON value as sent (compact, UTF-8): how LINE sizes Flex containers."""
    return len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def issue_command(issue: IssueRef, key: str | None = None) -> str:
    """The engine command for an issue (or one of its sections)."""
    head = f"issue {issue.number}" if issue.number is not None else "latest"
    return f"{head} {key}" if key else head


def text(value: str | None = None, **fields: Any) -> Json:
    """A Flex ``text`` component (fields in LINE's camelCase; None values left out)."""
    return _component("text", text=value, **fields)


def postback(label_text: str, data: str, display_text: str) -> Json:
    """A postback action: ``data`` comes back in a postback event, ``display_text`` is
    shown in the chat as if the reader had typed it."""
    return {"type": "postback", "label": label_text, "data": data, "displayText": display_text}


def flex_text(spans: Sequence[Span], **style: Any) -> Json:
    """A wrapping Flex text; bold and italic spans become Flex ``span``s with that style."""
    if not any(span.bold or span.italic for span in spans):
        return text("".join(s.text for s in spans) or " ", wrap=True, **style)
    parts = [
        _component(
            "span",
            text=span.text,
            weight="bold" if span.bold else None,
            style="italic" if span.italic else None,
        )
        for span in spans
        if span.text
    ]
    return text(contents=parts, wrap=True, **style)


def digest_message(overview: Overview, language: str) -> dict[str, Any]:
    """The digest's Flex message (a JSON dict): a carousel of section bubbles."""
    # an issue previewed from a file without a number has none yet: no "第号"
    unnumbered = "_unnumbered" if overview.issue.number is None else ""
    issue_line = say(
        language,
        "issue_line" + unnumbered,
        newsletter=overview.newsletter,
        number=overview.issue.number,
    ).strip()
    if overview.issue.date:
        issue_line += f" ({overview.issue.date.isoformat()})"
    alt = say(
        language,
        "digest_alt" + unnumbered,
        newsletter=overview.newsletter,
        number=overview.issue.number,
        sections=" / ".join(s.label for s in overview.sections) or "",
    )
    sections = overview.sections
    shown = len(sections) if len(sections) <= MAX_BUBBLES else MAX_BUBBLES - 1
    while True:
        bubbles = [_bubble(s, overview.issue, issue_line, language) for s in sections[:shown]]
        if sections[shown:]:
            bubbles.append(_more(sections[shown:], overview.issue, issue_line, language))
        if not bubbles:  # an issue without sections still gets a valid message
            bubbles = [_cover(issue_line)]
        message: Json = {
            "type": "flex",
            "altText": _cut(alt, ALT_TEXT_MAX),
            "contents": {"type": "carousel", "contents": bubbles},
        }
        # Too big for LINE: a section moves from its own bubble into the list (smaller).
        if json_size(message["contents"]) <= CAROUSEL_MAX_BYTES or shown == 0:
            return fit(message)
        shown -= 1


def _bubble(summary: SectionSummary, issue: IssueRef, issue_line: str, language: str) -> Json:
    body: list[Json] = []
    if summary.headline:
        headline = _cut(summary.headline, HEADLINE_MAX)
        body.append(text(headline, weight="bold", size="md", wrap=True, maxLines=3))
    spans = summary.excerpt_spans or ((Span(summary.excerpt),) if summary.excerpt else ())
    if spans:
        body.append(flex_text(spans, size="sm", color="#555555", maxLines=6, margin="md"))
    if summary.items > 1:
        items = say(language, "items", count=summary.items)
        body.append(text(items, size="xs", color=MUTED, margin="md"))
    if not body:
        body.append(text(summary.label, wrap=True))
    button = _component(
        "button",
        style="primary",
        color=ACCENT,
        height="sm",
        action=postback(
            label(say(language, "read"), FLEX_LABEL_MAX),
            encode(issue_command(issue, summary.key), language),
            _cut(summary.label, MAX_DISPLAY),
        ),
    )
    return {
        "type": "bubble",
        "size": "kilo",
        "header": _box(
            text(_cut(issue_line, 60), size="xxs", color=MUTED),
            text(_cut(summary.label, 40), weight="bold", size="lg", color=ACCENT),
        ),
        "body": _box(*body),
        "footer": _box(button),
    }


def _more(
    sections: Sequence[SectionSummary], issue: IssueRef, issue_line: str, language: str
) -> Json:
    """The last bubble when there are more sections than bubbles: a button per section."""
    buttons = [
        _component(
            "button",
            style="secondary",
            height="sm",
            margin="sm",
            action=postback(
                label(summary.label, FLEX_LABEL_MAX),
                encode(issue_command(issue, summary.key), language),
                _cut(summary.label, MAX_DISPLAY),
            ),
        )
        for summary in sections
    ]
    more = _cut(say(language, "more_sections"), 40)
    return {
        "type": "bubble",
        "size": "kilo",
        "header": _box(
            text(_cut(issue_line, 60), size="xxs", color=MUTED),
            text(more, weight="bold", size="lg", color=ACCENT),
        ),
        "body": _box(*buttons),
    }


def _cover(issue_line: str) -> Json:
    return {"type": "bubble", "size": "kilo", "body": _box(text(issue_line, wrap=True))}


def _box(*contents: Json) -> Json:
    return {"type": "box", "layout": "vertical", "contents": list(contents)}


def _component(kind: str, **fields: Any) -> Json:
    return {"type": kind, **{name: value for name, value in fields.items() if value is not None}}


def fit(message: dict[str, Any]) -> dict[str, Any]:
    """The message, checked against LINE's size limits.

    Raises:
        ValueError: a bubble or the carousel is over LINE's limit (a bug: texts are capped,
            and ``digest_message`` moves sections into the list bubble until it fits).
    """
    for bubble in message["contents"]["contents"]:
        if json_size(bubble) > BUBBLE_MAX_BYTES:
            raise ValueError(f"a Flex bubble is {json_size(bubble)} bytes, over LINE's 30 KB")
    if json_size(message["contents"]) > CAROUSEL_MAX_BYTES:
        raise ValueError(f"a Flex carousel is {json_size(message['contents'])} bytes, over 50 KB")
    return message


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
