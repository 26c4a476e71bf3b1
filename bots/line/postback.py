"""Postback data: the command a button runs, carried in LINE's 300-character ``data``.

A button's data is ``cmd:`` followed by the command engine's own words (``issue 1 topic p6``),
so pressing a button and typing the command are answered the same way.
"""

from __future__ import annotations

from typing import Any

PREFIX = "cmd:"
MAX_DATA = 300  # LINE's limit on postback data
MAX_DISPLAY = 300  # and on displayText
LABEL_MAX = 20  # quick reply and rich menu labels


def encode(command: str) -> str:
    """The postback data that runs ``command``.

    Raises:
        ValueError: the command does not fit LINE's 300 characters.
    """
    data = PREFIX + command
    if len(data) > MAX_DATA:
        raise ValueError(f"command too long for a LINE postback ({len(data)} > {MAX_DATA})")
    return data


def decode(data: str) -> str | None:
    """The command in some postback data, or None when the data is not ours."""
    if data.startswith(PREFIX):
        command = data[len(PREFIX) :].strip()
        return command or None
    return None


def label(text: str, limit: int = LABEL_MAX) -> str:
    """A button label cut to LINE's limit, with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def postback_action(text: str, command: str, *, limit: int = LABEL_MAX) -> dict[str, Any]:
    """A postback action (as a JSON dict) that shows ``text`` and runs ``command``."""
    shown = label(text, limit)
    return {
        "type": "postback",
        "label": shown,
        "data": encode(command),
        "displayText": text[:MAX_DISPLAY] or shown,
    }
