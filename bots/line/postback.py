"""Postback data: the command a button runs, carried in LINE's 300-character ``data``.

A button's data is ``cmd:`` followed by the command engine's own words (``issue 1 topic p6``),
so pressing a button and typing the command are answered the same way. The language the
button was shown in rides along (``cmd:ja:issue 1 topic p6``): the command is in English
words, but the reader who pressed it reads Japanese.
"""

from __future__ import annotations

from typing import NamedTuple

PREFIX = "cmd:"
MAX_DATA = 300  # LINE's limit on postback data
MAX_DISPLAY = 300  # and on displayText
LABEL_MAX = 20  # quick reply and rich menu labels


LANGUAGES = ("ja", "en")


class PostbackCommand(NamedTuple):
    """What a button asks for, and in which language to answer (None: unknown)."""

    command: str
    language: str | None


def encode(command: str, language: str | None = None) -> str:
    """The postback data that runs ``command`` and answers in ``language``.

    Raises:
        ValueError: the command does not fit LINE's 300 characters.
    """
    tag = f"{language}:" if language in LANGUAGES else ""
    data = PREFIX + tag + command
    if len(data) > MAX_DATA:
        raise ValueError(f"command too long for a LINE postback ({len(data)} > {MAX_DATA})")
    return data


def decode(data: str) -> PostbackCommand | None:
    """The command in some postback data, or None when the data is not ours."""
    if not data.startswith(PREFIX):
        return None
    rest = data[len(PREFIX) :]
    language = None
    head, colon, tail = rest.partition(":")
    if colon and head in LANGUAGES:
        language, rest = head, tail
    command = rest.strip()
    return PostbackCommand(command, language) if command else None


def label(text: str, limit: int = LABEL_MAX) -> str:
    """A button label cut to LINE's limit, with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
