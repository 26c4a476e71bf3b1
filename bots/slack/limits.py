"""A Slack message checked against Block Kit's limits, for the console's meters.

Slack takes 50 blocks, 3,000 characters a section, 150 a header and about 12,000 characters
of block text a message (``reference/platform-facts.md``).
"""

from __future__ import annotations

from typing import Any

from bots.meters import Measured, Meter
from bots.slack.blocks import text_length

BLOCKS = 50
SECTION = 3000
HEADER = 150
BLOCK_TEXT = 12_000


def measure(payload: dict[str, Any], body: Meter | None = None) -> Measured:
    """A chat.postMessage body checked against Block Kit's limits.

    Args:
        payload: ``{"text", "blocks"}``.
        body: the post's size as the splitter measured it, against the renderer's limit.
    """
    blocks: list[dict[str, Any]] = list(payload.get("blocks") or [])
    measured = Measured(payload)
    if body is not None:
        measured.check(body, "the post is longer than a Slack message may be")
    measured.check(Meter("blocks", len(blocks), BLOCKS), "too many blocks")
    measured.check(
        Meter("block text", text_length(blocks), BLOCK_TEXT, shown=body is None),
        "more block text than Slack accepts in one message",
    )
    for block in blocks:
        text = _text(block)
        if block.get("type") == "section" and len(text) > SECTION:
            measured.problems.append(
                f"a section block holds {len(text):,} characters (> {SECTION:,})"
            )
        if block.get("type") == "header" and len(text) > HEADER:
            measured.problems.append(f"a header holds {len(text)} characters (> {HEADER})")
    return measured


def _text(block: dict[str, Any]) -> str:
    text = block.get("text")
    if isinstance(text, dict):
        return str(text.get("text", ""))
    return ""
