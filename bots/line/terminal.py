"""A LINE message as text a terminal (or a pipe) can show, for ``haishin ask`` and
``send --dry-run``: a text message, a Flex carousel's bubbles, quick replies, in the order a
reader sees them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.text import Text


def draw(payload: dict[str, Any]) -> tuple[list[Text], list[str]]:
    """A LINE message object's text (a Flex message: each bubble's), and its buttons."""
    parts: list[Text] = []
    buttons: list[str] = []
    if payload.get("type") == "text":
        parts.append(Text(payload.get("text", "")))
    elif payload.get("type") == "flex":
        contents = payload.get("contents") or {}
        bubbles = contents.get("contents") if contents.get("type") == "carousel" else [contents]
        for number, bubble in enumerate(bubbles or [], start=1):
            if number > 1:
                parts.append(Text("───", style="dim"))
            texts, pressed = _flex(bubble)
            parts.append(Text("\n").join(Text(t) for t in texts))
            if pressed:
                parts.append(Text("  ".join(f"[ {label} ]" for label in pressed), style="bold"))
    else:
        parts.append(Text(payload.get("altText") or str(payload.get("type")), style="dim"))
    quick = (payload.get("quickReply") or {}).get("items") or []
    buttons += [item["action"].get("label", "") for item in quick if item.get("action")]
    return parts, buttons


def _flex(node: dict[str, Any]) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    buttons: list[str] = []
    for item in _walk(node):
        if item.get("type") == "text" and item.get("text"):
            texts.append(item["text"])
        elif item.get("type") == "button":
            buttons.append((item.get("action") or {}).get("label", ""))
    return texts, buttons


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for key in ("header", "hero", "body", "footer"):
        if isinstance(node.get(key), dict):
            yield from _walk(node[key])
    for child in node.get("contents") or [] if isinstance(node.get("contents"), list) else []:
        if isinstance(child, dict):
            yield from _walk(child)
