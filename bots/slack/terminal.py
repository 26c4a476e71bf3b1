"""A Slack message as text a terminal (or a pipe) can show, for ``haishin ask`` and
``send --dry-run``: its blocks (header, sections, context, buttons) in the order a reader sees
them, mrkdwn as it reads."""

from __future__ import annotations

import html
import re
from typing import Any

from rich.text import Text

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>|<(https?://[^>]+)>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_ZERO_WIDTH = "\u200b"


def mrkdwn_text(mrkdwn: str, style: str = "") -> Text:
    """Slack mrkdwn as a reader sees it: bold and italics as such, links as ``label (address)``,
    entities decoded."""

    def link(match: re.Match[str]) -> str:
        url, label, bare = match.group(1), match.group(2), match.group(3)
        return bare if bare else f"{label} ({url})"

    def shown(chunk: str) -> str:
        return html.unescape(chunk.replace(_ZERO_WIDTH, ""))

    # Slack puts a zero-width space between a bold span and Japanese next to it: a boundary.
    plain = _LINK.sub(link, mrkdwn)
    text = Text(style=style)
    at = 0
    marks = sorted(
        [(m, "bold") for m in _BOLD.finditer(plain)]
        + [(m, "italic") for m in _ITALIC.finditer(plain)],
        key=lambda found: found[0].start(),
    )
    for match, mark in marks:
        if match.start() < at:
            continue  # inside a span already drawn
        text.append(shown(plain[at : match.start()]))
        text.append(shown(match.group(1)), style=mark)
        at = match.end()
    text.append(shown(plain[at:]))
    return text


def draw(payload: dict[str, Any]) -> tuple[list[Text], list[str]]:
    """The text blocks of a ``chat.postMessage`` body, and its buttons' labels."""
    parts: list[Text] = []
    buttons: list[str] = []
    for block in payload.get("blocks") or []:
        kind = block.get("type")
        if kind == "header":
            parts.append(Text(block["text"]["text"], style="bold reverse"))
        elif kind == "section":
            if block.get("text"):
                parts.append(mrkdwn_text(block["text"]["text"]))
            for field in block.get("fields") or []:
                parts.append(mrkdwn_text(field["text"]))
        elif kind == "context":
            line = Text(style="dim")
            for element in block.get("elements") or []:
                if element.get("text"):
                    line.append_text(mrkdwn_text(element["text"], "dim"))
            parts.append(line)
        elif kind == "divider":
            parts.append(Text("───", style="dim"))
        elif kind == "actions":
            buttons += [e["text"]["text"] for e in block.get("elements") or [] if e.get("text")]
    if not parts and payload.get("text"):
        parts.append(mrkdwn_text(payload["text"]))
    return parts, buttons
