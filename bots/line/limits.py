"""A LINE message object checked against the Messaging API's limits, for the console's meters.

LINE takes 5,000 UTF-16 units a text message, 12 bubbles and 50 KB a carousel, 30 KB a
bubble, 400 characters of ``altText`` and 13 quick replies (``reference/platform-facts.md``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bots.line.flex import json_size
from bots.meters import Measured, Meter
from core.splitting import utf16_len

TEXT = 5000
BUBBLES = 12
CAROUSEL_BYTES = 50_000
BUBBLE_BYTES = 30_000
ALT_TEXT = 400
QUICK_REPLIES = 13


def measure(payload: dict[str, Any], body: Meter | None = None) -> Measured:
    """A message object checked against LINE's limits.

    Args:
        payload: the message object (text or Flex, with any ``quickReply``).
        body: the post's size as the splitter measured it: checked, but LINE's own limit
            (the whole text) is the meter drawn.
    """
    measured = Measured(payload)
    if payload.get("type") == "text":
        measured.check(
            Meter("UTF-16 units", utf16_len(str(payload.get("text", ""))), TEXT),
            "the text message is longer than LINE accepts",
        )
    elif payload.get("type") == "flex":
        contents = payload.get("contents") or {}
        bubbles = contents.get("contents") if contents.get("type") == "carousel" else [contents]
        bubbles = list(bubbles or [])
        measured.check(
            Meter("bytes", json_size(contents), CAROUSEL_BYTES),
            "the Flex carousel is bigger than LINE accepts",
        )
        measured.check(Meter("bubbles", len(bubbles), BUBBLES), "too many bubbles")
        biggest = max((json_size(bubble) for bubble in bubbles), default=0)
        if biggest > BUBBLE_BYTES:
            measured.problems.append(f"a bubble is {biggest:,} bytes (> {BUBBLE_BYTES:,})")
        alt = str(payload.get("altText", ""))
        if len(alt) > ALT_TEXT:
            measured.problems.append(f"altText is {len(alt)} characters (> {ALT_TEXT})")
    items = (payload.get("quickReply") or {}).get("items") or []
    if len(items) > QUICK_REPLIES:
        measured.problems.append(f"{len(items)} quick replies (> {QUICK_REPLIES})")
    if body is not None:
        hidden = replace(body, label="body " + body.label, shown=False)
        measured.check(hidden, "the post is longer than the renderer's limit")
    return measured
