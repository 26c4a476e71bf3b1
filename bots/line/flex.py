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

from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexCarousel,
    FlexComponent,
    FlexMessage,
    FlexSpan,
    FlexText,
    PostbackAction,
)

from bots.line.postback import MAX_DISPLAY, encode, label
from bots.line.texts import say
from core.model import IssueRef, Overview, SectionSummary, Span

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


def flex_text(spans: Sequence[Span], **style: Any) -> FlexText:
    """A wrapping Flex text; bold and italic spans become Flex ``span``s with that style."""
    if not any(span.bold or span.italic for span in spans):
        return FlexText(text="".join(s.text for s in spans) or " ", wrap=True, **style)
    parts = [
        FlexSpan(
            text=span.text,
            weight="bold" if span.bold else None,
            style="italic" if span.italic else None,
        )
        for span in spans
        if span.text
    ]
    return FlexText(contents=parts, wrap=True, **style)


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
        message: dict[str, Any] = FlexMessage(
            alt_text=_cut(alt, ALT_TEXT_MAX), contents=FlexCarousel(contents=bubbles)
        ).to_dict()
        # Too big for LINE: a section moves from its own bubble into the list (smaller).
        if json_size(message["contents"]) <= CAROUSEL_MAX_BYTES or shown == 0:
            return fit(message)
        shown -= 1


def _bubble(summary: SectionSummary, issue: IssueRef, issue_line: str, language: str) -> FlexBubble:
    body: list[FlexComponent] = []
    if summary.headline:
        body.append(
            FlexText(
                text=_cut(summary.headline, HEADLINE_MAX),
                weight="bold",
                size="md",
                wrap=True,
                max_lines=3,
            )
        )
    spans = summary.excerpt_spans or ((Span(summary.excerpt),) if summary.excerpt else ())
    if spans:
        body.append(flex_text(spans, size="sm", color="#555555", max_lines=6, margin="md"))
    if summary.items > 1:
        items = say(language, "items", count=summary.items)
        body.append(FlexText(text=items, size="xs", color=MUTED, margin="md"))
    if not body:
        body.append(FlexText(text=summary.label, wrap=True))
    button = FlexButton(
        style="primary",
        color=ACCENT,
        height="sm",
        action=PostbackAction(
            label=label(say(language, "read"), FLEX_LABEL_MAX),
            data=encode(issue_command(issue, summary.key), language),
            display_text=_cut(summary.label, MAX_DISPLAY),
        ),
    )
    return FlexBubble(
        size="kilo",
        header=FlexBox(
            layout="vertical",
            contents=[
                FlexText(text=_cut(issue_line, 60), size="xxs", color=MUTED),
                FlexText(text=_cut(summary.label, 40), weight="bold", size="lg", color=ACCENT),
            ],
        ),
        body=FlexBox(layout="vertical", contents=body),
        footer=FlexBox(layout="vertical", contents=[button]),
    )


def _more(
    sections: Sequence[SectionSummary], issue: IssueRef, issue_line: str, language: str
) -> FlexBubble:
    """The last bubble when there are more sections than bubbles: a button per section."""
    buttons: list[FlexComponent] = [
        FlexButton(
            style="secondary",
            height="sm",
            margin="sm",
            action=PostbackAction(
                label=label(summary.label, FLEX_LABEL_MAX),
                data=encode(issue_command(issue, summary.key), language),
                display_text=_cut(summary.label, MAX_DISPLAY),
            ),
        )
        for summary in sections
    ]
    return FlexBubble(
        size="kilo",
        header=FlexBox(
            layout="vertical",
            contents=[
                FlexText(text=_cut(issue_line, 60), size="xxs", color=MUTED),
                FlexText(
                    text=_cut(say(language, "more_sections"), 40),
                    weight="bold",
                    size="lg",
                    color=ACCENT,
                ),
            ],
        ),
        body=FlexBox(layout="vertical", contents=buttons),
    )


def _cover(issue_line: str) -> FlexBubble:
    return FlexBubble(
        size="kilo",
        body=FlexBox(layout="vertical", contents=[FlexText(text=issue_line, wrap=True)]),
    )


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
