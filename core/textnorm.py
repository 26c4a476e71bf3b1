"""Text normalisation shared by the parser, the profile and the command engine."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w]+")
# C0 and C1 controls (NUL, ESC, DEL…) and lone surrogates: never text a person meant.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]+")


def strip_controls(text: str) -> str:
    """Text with control characters (NUL, ESC, DEL, C1) and lone surrogates replaced by a
    space: what a reader typed, safe for SQL, FTS and a platform's message."""
    return _CONTROLS.sub(" ", text)


def fold(text: str) -> str:
    """Fold text for matching: NFKC (full/half width), case-insensitive, no spaces.

    ``"ＴＯＰＩＣ"``, ``"Topic"`` and ``"to pic"`` all fold to ``"topic"``.
    """
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())


def squash(text: str) -> str:
    """NFKC-normalise and collapse runs of white space to one space, trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def slug(text: str) -> str:
    """A stable key for a heading no profile names: lower case, words joined by ``-``.

    Non-Latin letters are kept, so ``"ヘッドライン"`` stays readable.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub("-", folded).strip("-_") or "section"
