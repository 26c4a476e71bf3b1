"""Bytes to text: byte order marks, UTF-8, an explicit encoding, and clear refusals.

Issue files come from editors, web pages and Windows machines. UTF-8 (with or without a BOM)
and UTF-16/32 with a BOM are read as they are; anything else needs ``--encoding`` so that a
Shift_JIS file is never silently read as mojibake.
"""

from __future__ import annotations

import codecs

from core.errors import ContentError

_BOMS = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Encodings worth naming in a hint, most likely first for this project's Japanese readers.
_GUESSES = ("cp932", "euc-jp", "iso-2022-jp")


def decode_source(data: bytes, *, name: str, encoding: str | None = None) -> str:
    """Decode an issue file and normalise its line ends to ``\\n``.

    Args:
        data: the file's bytes.
        name: the file name, for messages.
        encoding: the encoding the user named (``--encoding``); None to detect UTF-8/16/32.

    Returns:
        The text without a BOM, with CRLF and CR turned into LF.

    Raises:
        ContentError: the bytes are not in the expected encoding; the hint says what to pass.
    """
    if encoding is not None:
        text = _decode_named(data, name=name, encoding=encoding)
    else:
        text = _decode_detected(data, name=name)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _decode_named(data: bytes, *, name: str, encoding: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ContentError(
            f"unknown encoding {encoding!r}",
            path=name,
            hint="pass a Python codec name such as utf-8, cp932, euc-jp or utf-16",
        ) from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ContentError(
            f"is not valid {encoding}: byte 0x{data[exc.start]:02x} cannot be decoded",
            path=name,
            line=data.count(b"\n", 0, exc.start) + 1,
            hint="check the file's real encoding and pass it with --encoding",
        ) from None


def _decode_detected(data: bytes, *, name: str) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise ContentError(
                    f"starts with a {codec} byte order mark but is not valid {codec} "
                    f"(at byte {exc.start + len(bom)})",
                    path=name,
                    hint="re-save the file as UTF-8",
                ) from None
    if b"\x00" in data:
        if _looks_utf16(data):
            raise ContentError(
                "holds NUL bytes; it looks like UTF-16 without a byte order mark",
                path=name,
                hint=f"re-save it as UTF-8, or pass --encoding {_utf16_guess(data)}",
            )
        at = data.index(b"\x00")
        line_start = data.rfind(b"\n", 0, at) + 1
        column = len(data[line_start:at].decode("utf-8", errors="replace")) + 1
        raise ContentError(
            f"holds a NUL byte (at column {column}), which is not text",
            path=name,
            line=data.count(b"\n", 0, at) + 1,
            hint="delete it (a paste from a binary file or a damaged save?) and save the file "
            "again as UTF-8",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        guess = next((enc for enc in _GUESSES if _decodes(data, enc)), None)
        looks = f"; it looks like {guess}" if guess else ""
        raise ContentError(
            f"is not UTF-8 (byte 0x{data[exc.start]:02x} cannot be decoded){looks}",
            path=name,
            line=data.count(b"\n", 0, exc.start) + 1,
            hint=f"re-save it as UTF-8, or pass --encoding {guess or 'cp932'} "
            "(or the file's real encoding)",
        ) from None
    return text


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: not UTF-8, or NULs (the high bytes of ASCII) on one side of
    most byte pairs. A UTF-8 file with a stray NUL or two is not that."""
    if not _decodes(data, "utf-8"):
        return True
    even = data[0::2].count(0)
    odd = data[1::2].count(0)
    return max(even, odd) >= len(data) // 8 and min(even, odd) <= max(even, odd) // 10


def _utf16_guess(data: bytes) -> str:
    # ASCII's NUL high byte comes second in little-endian, first in big-endian.
    order = ("utf-16-le", "utf-16-be")
    if data[0::2].count(0) > data[1::2].count(0):
        order = order[::-1]
    return next((enc for enc in order if _decodes(data, enc)), order[0])


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
