"""Block Kit limits as Slack enforces them, for the fake Slack API and for assertions in tests.

Numbers from Slack's Block Kit reference and ``slack_sdk/models/blocks`` (see
``../shared/reference/platform-facts.md`` §1.1-1.2). Total block text is undocumented; Slack
answers ``msg_blocks_too_long`` at about 12,000 characters, so that is the cap here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100  # Home tab and modals
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTON_URL = 3000
ACTION_ID = 255
BLOCK_ID = 255
BLOCK_TEXT_TOTAL = 12_000
MESSAGE_TEXT = 40_000

_KNOWN = {"section", "header", "context", "actions", "divider", "markdown", "image", "rich_text"}


def text_objects(blocks: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    """Every piece of text the blocks show (what Slack counts towards the total)."""
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            if isinstance(block.get("text"), Mapping):
                yield str(block["text"].get("text", ""))
            for field in block.get("fields") or ():
                yield str(field.get("text", ""))
        elif kind == "markdown":
            yield str(block.get("text", ""))
        elif kind in ("context", "actions"):
            for element in block.get("elements") or ():
                text = element.get("text")
                if isinstance(text, Mapping):
                    yield str(text.get("text", ""))
                elif isinstance(text, str):
                    yield text


def block_text_length(blocks: Sequence[Mapping[str, Any]]) -> int:
    """Characters of text across all blocks."""
    return sum(len(text) for text in text_objects(blocks))


def problems(blocks: Any, *, text: Any = None, surface: str = "message") -> list[str]:
    """Everything in a message (or a Home view's blocks) that Slack would refuse.

    Args:
        blocks: the ``blocks`` of a message or view.
        text: the message's top-level ``text``, when there is one.
        surface: ``message`` (50 blocks) or ``home``/``modal`` (100 blocks).

    Returns:
        One line per violation; empty when everything is within limits.
    """
    found: list[str] = []
    if text is not None and len(str(text)) > MESSAGE_TEXT:
        found.append(f"text: {len(str(text))} chars > {MESSAGE_TEXT}")
    if blocks is None:
        if text is None or not str(text).strip():
            found.append("message has neither text nor blocks")
        return found
    if not isinstance(blocks, list):
        return [f"blocks must be a list, got {type(blocks).__name__}"]
    cap = MESSAGE_BLOCKS if surface == "message" else SURFACE_BLOCKS
    if len(blocks) > cap:
        found.append(f"{len(blocks)} blocks > {cap}")
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"blocks[{index}]"
        if not isinstance(block, Mapping):
            found.append(f"{where}: not an object")
            continue
        found.extend(_block_problems(block, where, block_ids))
    total = block_text_length(blocks)
    if surface == "message" and total > BLOCK_TEXT_TOTAL:
        found.append(f"msg_blocks_too_long: {total} chars of block text > {BLOCK_TEXT_TOTAL}")
    return found


def _block_problems(block: Mapping[str, Any], where: str, block_ids: set[str]) -> list[str]:
    found: list[str] = []
    kind = block.get("type")
    if kind not in _KNOWN:
        return [f"{where}: unknown block type {kind!r}"]
    block_id = block.get("block_id")
    if block_id is not None:
        if len(str(block_id)) > BLOCK_ID:
            found.append(f"{where}: block_id longer than {BLOCK_ID}")
        if block_id in block_ids:
            found.append(f"{where}: duplicate block_id {block_id!r}")
        block_ids.add(str(block_id))
    if kind == "section":
        text, fields = block.get("text"), block.get("fields")
        if text is None and not fields:
            found.append(f"{where}: section needs text or fields")
        if text is not None:
            found.extend(_text_problems(text, f"{where}.text", SECTION_TEXT))
        if fields:
            if len(fields) > SECTION_FIELDS:
                found.append(f"{where}: {len(fields)} fields > {SECTION_FIELDS}")
            for i, field in enumerate(fields):
                found.extend(_text_problems(field, f"{where}.fields[{i}]", FIELD_TEXT))
        if isinstance(block.get("accessory"), Mapping):
            found.extend(_element_problems(block["accessory"], f"{where}.accessory"))
    elif kind == "header":
        found.extend(
            _text_problems(block.get("text"), f"{where}.text", HEADER_TEXT, plain_only=True)
        )
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > CONTEXT_ELEMENTS:
            found.append(f"{where}: context needs 1..{CONTEXT_ELEMENTS} elements")
        for i, element in enumerate(elements):
            if element.get("type") in ("mrkdwn", "plain_text"):
                found.extend(_text_problems(element, f"{where}.elements[{i}]", SECTION_TEXT))
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > ACTIONS_ELEMENTS:
            found.append(f"{where}: actions needs 1..{ACTIONS_ELEMENTS} elements")
        action_ids: set[str] = set()
        for i, element in enumerate(elements):
            found.extend(_element_problems(element, f"{where}.elements[{i}]"))
            action_id = element.get("action_id")
            if action_id is not None:
                if action_id in action_ids:
                    found.append(f"{where}: duplicate action_id {action_id!r}")
                action_ids.add(action_id)
    return found


def _text_problems(text: Any, where: str, cap: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(text, Mapping):
        return [f"{where}: must be a text object"]
    kind = text.get("type")
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    found = []
    if kind not in allowed:
        found.append(f"{where}: type {kind!r} not in {allowed}")
    body = str(text.get("text", ""))
    if not body:
        found.append(f"{where}: empty text")
    if len(body) > cap:
        found.append(f"{where}: {len(body)} chars > {cap}")
    return found


def _element_problems(element: Mapping[str, Any], where: str) -> list[str]:
    found: list[str] = []
    if element.get("type") == "button":
        found.extend(
            _text_problems(element.get("text"), f"{where}.text", BUTTON_TEXT, plain_only=True)
        )
        if len(str(element.get("value", ""))) > BUTTON_VALUE:
            found.append(f"{where}: value longer than {BUTTON_VALUE}")
        if len(str(element.get("url", ""))) > BUTTON_URL:
            found.append(f"{where}: url longer than {BUTTON_URL}")
    action_id = element.get("action_id")
    if action_id is not None and len(str(action_id)) > ACTION_ID:
        found.append(f"{where}: action_id longer than {ACTION_ID}")
    return found
