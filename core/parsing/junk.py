"""Refusing text that is not text: a binary file that happens to decode.

A byte order mark makes any file decode as UTF-16, an image or a database included; what
comes out is control characters, unassigned and private-use code points, and replacement
characters. No newsletter is written so. Text where such characters are a large share is
refused with a message that says what was found, rather than stored and published as an
issue of garbage.
"""

from __future__ import annotations

import unicodedata

import regex

from core.errors import ContentError

# Share of the characters (white space left out) above which a text is not text. A real
# issue has next to none: a stray U+FFFD, a private-use icon from a web font.
JUNK_SHARE = 0.2
_SAMPLE = 8_000  # characters looked at: enough to know, cheap on a long issue
_KIND = {"Cc": "control", "Cs": "control", "Cn": "unassigned", "Co": "private-use"}
# Control (but not white space), unassigned, private-use, surrogates, U+FFFD.
_JUNK = regex.compile(r"[[\p{Cc}\p{Cn}\p{Co}\p{Cs}\uFFFD]--\s]", regex.V1)
_SPACE = regex.compile(r"\s")


def refuse_junk(text: str, *, name: str) -> None:
    """Raise when ``text`` is mostly not text (see module).

    Raises:
        ContentError: naming the file, what share of it is unreadable and of what kind.
    """
    sample = text[:_SAMPLE]
    junk = len(_JUNK.findall(sample))
    if not junk:
        return
    counted = len(sample) - len(_SPACE.findall(sample))
    if not counted or junk <= JUNK_SHARE * counted:
        return
    kinds = {"control": 0, "unassigned": 0, "private-use": 0, "replacement": 0}
    for char in _JUNK.findall(sample):
        kinds["replacement" if char == "\ufffd" else _KIND[unicodedata.category(char)]] += 1
    found = ", ".join(f"{n} {kind}" for kind, n in kinds.items() if n)
    raise ContentError(
        f"is not text: {junk * 100 // counted}% of its characters are not letters, "
        f"digits or punctuation ({found} characters)",
        path=name,
        hint="it may be a binary file, such as an image or an archive, or text in another "
        "encoding behind a wrong byte order mark: open it in an editor and save it as UTF-8",
    )
