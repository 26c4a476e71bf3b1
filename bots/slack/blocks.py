"""Block Kit pieces for Slack messages, and the packing that keeps messages within limits.

Blocks are built as ``slack_sdk.models.blocks`` objects, so the SDK checks each one against
its own limits when ``to_dict()`` runs; ``pack`` keeps whole messages within the limits the
SDK does not check (50 blocks, about 12,000 characters of block text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bots.slack import mrkdwn
from core.model import Span, Suggestion

SECTION_TEXT = 3000
HEADER_TEXT = 150
MESSAGE_BLOCKS = 50
BLOCK_TEXT_BUDGET = 12_000
# A post's body (headline and text) may use this much; the rest of the budget holds the
# header and context line a post carries, and the buttons of a reply.
POST_MAX = 10_500
FALLBACK_CHARS = 3_000
BUTTON_TEXT = 75
BUTTONS = 25

ACTION_NEXT = "haishin_next"
ACTION_COMMAND = "haishin_cmd"
ACTION_SHARE = "haishin_share"
ACTION_PATTERN = re.compile(r"^haishin_(?:next|cmd_\d+)$")


def fallback(text: str, *, escaped: bool = False) -> str:
    """A message's ``text`` (notifications, screen readers): at most 3,000 chars, escaped
    unless it is mrkdwn already."""
    flat = text.strip()
    if len(flat) > FALLBACK_CHARS:
        flat = flat[: FALLBACK_CHARS - 1] + "…"
    return (flat if escaped else mrkdwn.escape(flat)) or " "


def body_sections(head: tuple[Span, ...] | None, blocks: Sequence[Any]) -> list[str]:
    """A post's mrkdwn, cut into section texts of at most 3,000 characters at block bounds."""
    texts: list[str] = []
    current = ""
    previous = None
    pieces: list[tuple[str, Any]] = [(mrkdwn.headline(head), None)] if head else []
    pieces.extend((mrkdwn.block(item), item) for item in blocks)
    for index, (text, item) in enumerate(pieces):
        if not text.strip():
            previous = item if item is not None else previous
            continue
        gap = (mrkdwn.separator(previous, item) or "\n") if index and item is not None else "\n"
        if current and len(current) + len(gap) + len(text) <= SECTION_TEXT:
            current += gap + text
        else:
            if current:
                texts.append(current)
            overflow = chunks(text)
            texts.extend(overflow[:-1])
            current = overflow[-1]
        previous = item
    if current:
        texts.append(current)
    return texts


def chunks(text: str, size: int = SECTION_TEXT) -> list[str]:
    """Cut text into pieces of at most ``size``, at line breaks where possible, losing nothing."""
    if len(text) <= size:
        return [text] if text.strip() else []
    out: list[str] = []
    rest = text
    while len(rest) > size:
        cut = rest.rfind("\n", 0, size)
        if cut <= 0:
            cut = size
        piece, rest = rest[:cut], rest[cut:].lstrip("\n")
        if piece.strip():
            out.append(piece)
    if rest.strip():
        out.append(rest)
    return out


def pack(
    groups: Iterable[list[dict[str, Any]]],
    *,
    head: list[dict[str, Any]],
    tail: list[dict[str, Any]],
) -> list[list[dict[str, Any]]]:
    """Blocks into messages within 50 blocks and the text budget; ``head`` starts the first
    message, ``tail`` ends the last, and each group stays in one message."""
    messages: list[list[dict[str, Any]]] = []
    current = list(head)
    size = text_length(head)
    tail_size = text_length(tail)
    for group in groups:
        group_size = text_length(group)
        if current and (
            len(current) + len(group) + len(tail) > MESSAGE_BLOCKS
            or size + group_size + tail_size > BLOCK_TEXT_BUDGET
        ):
            messages.append(current)
            current, size = [], 0
        current.extend(group)
        size += group_size
    current.extend(tail)
    messages.append(current)
    return messages


def text_length(blocks: Iterable[dict[str, Any]]) -> int:
    """Characters of text in some blocks (what Slack's block text budget counts)."""
    total = 0
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            total += len(text.get("text", ""))
        for element in block.get("elements", ()):
            inner = element.get("text")
            if isinstance(inner, dict):
                total += len(inner.get("text", ""))
            elif isinstance(inner, str):
                total += len(inner)
    return total


def header(text: str) -> dict[str, Any]:
    """A header block (plain text, cut to 150 characters)."""
    if len(text) > HEADER_TEXT:
        text = text[: HEADER_TEXT - 1] + "…"
    return HeaderBlock(text=PlainTextObject(text=text or " ", emoji=True)).to_dict()


def section(text: str) -> dict[str, Any]:
    """A mrkdwn section block (the text must already be within 3,000 characters)."""
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


def context(text: str) -> dict[str, Any]:
    """A context line in mrkdwn."""
    return ContextBlock(elements=[MarkdownTextObject(text=text[:SECTION_TEXT])]).to_dict()


def actions(
    more: Suggestion | None,
    suggestions: Sequence[Suggestion],
    share: Suggestion | None = None,
    *,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """Buttons: "next part" first (primary), the suggestions, then "share"; none → no block.

    Each button's value is its command, prefixed with the reader's language (``ja|...``), so
    the answer to a press speaks the language of the message that carried the button.
    """
    if share is not None:
        suggestions = suggestions[: BUTTONS - 2]
    pressed: list[tuple[Suggestion, str, str | None]] = []
    if more is not None:
        pressed.append((more, ACTION_NEXT, "primary"))
    pressed += [(s, f"{ACTION_COMMAND}_{i}", None) for i, s in enumerate(suggestions)]
    if share is not None:
        pressed.append((share, ACTION_SHARE, None))
    buttons = [
        ButtonElement(
            text=_button_text(suggestion.label),
            action_id=action_id,
            value=encode_value(suggestion.command, language),
            style=style,
        )
        for suggestion, action_id, style in pressed[:BUTTONS]
    ]
    return [ActionsBlock(elements=buttons).to_dict()] if buttons else []


def encode_value(command: str, language: str | None) -> str:
    """A button's value: ``ja|issue 1 topic`` (or just the command without a language)."""
    value = f"{language}|{command}" if language else command
    return value[:2000]


def decode_value(value: str) -> tuple[str | None, str]:
    """(language or None, command) from a button's value."""
    head, bar, rest = value.partition("|")
    if bar and head in ("ja", "en"):
        return head, rest
    return None, value


def _button_text(label: str) -> PlainTextObject:
    label = label.strip() or "…"
    if len(label) > BUTTON_TEXT:
        label = label[: BUTTON_TEXT - 1] + "…"
    return PlainTextObject(text=label, emoji=True)
