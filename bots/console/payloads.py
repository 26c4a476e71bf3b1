"""Each drawn message measured against its platform's limits, with what is over said plainly.

The numbers are the platforms' own (``reference/platform-facts.md``): Slack takes 50 blocks,
3,000 characters a section, 150 a header and about 12,000 of block text a message; LINE takes
5,000 UTF-16 units a text message, 12 bubbles and 50 KB a carousel, 30 KB a bubble, 400
characters of ``altText``, and 13 quick replies.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from core.splitting import utf16_len

SLACK_BLOCKS = 50
SLACK_SECTION = 3000
SLACK_HEADER = 150
SLACK_BLOCK_TEXT = 12_000
LINE_TEXT = 5000
LINE_BUBBLES = 12
LINE_CAROUSEL_BYTES = 50_000
LINE_BUBBLE_BYTES = 30_000
LINE_ALT_TEXT = 400
LINE_QUICK_REPLIES = 13


@dataclass(frozen=True, slots=True)
class Meter:
    """A size against its limit."""

    label: str
    size: int
    limit: int
    shown: bool = True  # False: checked, but drawn only when it gets close

    @property
    def over(self) -> bool:
        """True when the size is over the limit."""
        return self.size > self.limit

    @property
    def percent(self) -> int:
        """How full, 0-100 (capped), for the bar."""
        return min(100, round(100 * self.size / self.limit)) if self.limit else 100

    @property
    def near(self) -> bool:
        """True from 85 % of the limit."""
        return self.size * 100 >= self.limit * 85


@dataclass(slots=True)
class Measured:
    """A payload with its meters and the problems they show."""

    payload: dict[str, Any]
    meters: list[Meter] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def visible(self) -> list[Meter]:
        """The meters worth drawing: the main ones, and any that is close to its limit."""
        return [meter for meter in self.meters if meter.shown or meter.near]

    def check(self, meter: Meter, problem: str) -> None:
        """Add a meter; if it is over, add the problem too."""
        self.meters.append(meter)
        if meter.over:
            self.problems.append(f"{problem} ({meter.size:,} > {meter.limit:,})")


def slack_message(payload: dict[str, Any], body: Meter | None = None) -> Measured:
    """A chat.postMessage body checked against Block Kit's limits.

    Args:
        payload: ``{"text", "blocks"}``.
        body: the post's size as the splitter measured it, against the renderer's limit.
    """
    from bots.slack.blocks import text_length

    blocks: list[dict[str, Any]] = list(payload.get("blocks") or [])
    measured = Measured(payload)
    if body is not None:
        measured.check(body, "the post is longer than a Slack message may be")
    measured.check(Meter("blocks", len(blocks), SLACK_BLOCKS), "too many blocks")
    measured.check(
        Meter("block text", text_length(blocks), SLACK_BLOCK_TEXT, shown=body is None),
        "more block text than Slack accepts in one message",
    )
    for block in blocks:
        text = _text(block)
        if block.get("type") == "section" and len(text) > SLACK_SECTION:
            measured.problems.append(
                f"a section block holds {len(text):,} characters (> {SLACK_SECTION:,})"
            )
        if block.get("type") == "header" and len(text) > SLACK_HEADER:
            measured.problems.append(f"a header holds {len(text)} characters (> {SLACK_HEADER})")
    return measured


def line_message(payload: dict[str, Any]) -> Measured:
    """A LINE message object checked against the Messaging API's limits."""
    from bots.line.flex import json_size

    measured = Measured(payload)
    if payload.get("type") == "text":
        measured.check(
            Meter("UTF-16 units", utf16_len(str(payload.get("text", ""))), LINE_TEXT),
            "the text message is longer than LINE accepts",
        )
    elif payload.get("type") == "flex":
        contents = payload.get("contents") or {}
        bubbles = contents.get("contents") if contents.get("type") == "carousel" else [contents]
        bubbles = list(bubbles or [])
        measured.check(
            Meter("bytes", json_size(contents), LINE_CAROUSEL_BYTES),
            "the Flex carousel is bigger than LINE accepts",
        )
        measured.check(Meter("bubbles", len(bubbles), LINE_BUBBLES), "too many bubbles")
        biggest = max((json_size(bubble) for bubble in bubbles), default=0)
        if biggest > LINE_BUBBLE_BYTES:
            measured.problems.append(f"a bubble is {biggest:,} bytes (> {LINE_BUBBLE_BYTES:,})")
        alt = str(payload.get("altText", ""))
        if len(alt) > LINE_ALT_TEXT:
            measured.problems.append(f"altText is {len(alt)} characters (> {LINE_ALT_TEXT})")
    items = (payload.get("quickReply") or {}).get("items") or []
    if len(items) > LINE_QUICK_REPLIES:
        measured.problems.append(f"{len(items)} quick replies (> {LINE_QUICK_REPLIES})")
    return measured


def measure(platform: str, payload: dict[str, Any], body: Meter) -> Measured:
    """A post's message measured as its platform takes it; ``body`` is its size as the
    splitter measured it, against the renderer's limit. A platform the console has no
    limits for is measured by the splitter's limit alone."""
    if platform == "slack":
        return slack_message(payload, body)
    if platform == "line":
        # LINE's own limit (the whole text) is the meter drawn; the splitter's is checked.
        measured = line_message(payload)
        hidden = replace(body, label="body " + body.label, shown=False)
        measured.check(hidden, "the post is longer than the renderer's limit")
        return measured
    measured = Measured(payload)
    measured.check(body, "the post is longer than the renderer's limit")
    return measured


def measure_digest(platform: str, payload: dict[str, Any]) -> Measured:
    """A digest's cover measured as its platform takes it."""
    if platform == "slack":
        return slack_message(payload)
    if platform == "line":
        return line_message(payload)
    return Measured(payload)


def _text(block: dict[str, Any]) -> str:
    text = block.get("text")
    if isinstance(text, dict):
        return str(text.get("text", ""))
    return ""
