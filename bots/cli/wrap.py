"""Text for a terminal: wrapped at phrases and words, never inside one, never a line that
starts with 。 or 、. Into a pipe or a file nothing is wrapped at all (see ``common.console``).

Rich wraps Japanese at any character and Latin text at spaces only; a reader of Japanese
expects BudouX phrases and the line-start rule (kinsoku) instead, so the wrap is ours.
"""

from __future__ import annotations

from rich.text import Text

# Characters a line may not start with (JIS X 4051's closing brackets, stops and small kana,
# in part): they hang at the end of the line before instead.
NO_LINE_START = frozenset(
    "、。，．,.!?！？)）]］}｝〕〉》」』】〙〗ゝゞー・：；:;ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ”’"
)


def wrap(text: str, width: int) -> str:
    """``text`` wrapped to ``width`` terminal cells, each of its lines on its own.

    A phrase (Japanese) or word (Western) longer than the width stays whole when it has no
    Japanese in it (a URL, an identifier: the terminal folds it, nothing is cut); a long
    Japanese phrase is broken between characters, never before one of ``NO_LINE_START``.
    """
    return wrap_text(Text(text), width).plain


def wrap_text(text: Text, width: int) -> Text:
    """A Rich ``Text`` wrapped as ``wrap`` does, its styles kept."""
    lines: list[Text] = []
    for line in text.split("\n", allow_blank=True):
        pieces = line.divide(_breaks(line.plain, max(width, 8)))
        for number, piece in enumerate(pieces):
            if number < len(pieces) - 1:
                piece.rstrip()
            lines.append(piece)
    return Text("\n").join(lines)


def _breaks(line: str, width: int) -> list[int]:
    """Offsets where a wrapped line starts."""
    from rich.cells import cell_len

    if cell_len(line) <= width:
        return []
    import regex

    from core.splitting.sentences import phrases

    breaks: list[int] = []
    current = ""
    at = 0
    for phrase in _joined(phrases(line)):
        pieces = [phrase]
        if cell_len(phrase.rstrip()) > width and not phrase.isascii():
            pieces = regex.findall(r"[A-Za-z0-9][!-~]*\s*|\X", phrase)  # Latin words stay whole
        for piece in pieces:
            fits = cell_len((current + piece).rstrip()) <= width
            hangs = piece[:1] in NO_LINE_START or not piece.strip()
            if not current.strip() or fits or hangs:
                current += piece  # a stop or comma hangs past the edge rather than lead
            else:
                breaks.append(at + len(piece) - len(piece.lstrip()))
                current = piece.lstrip()
            at += len(piece)
    return breaks


def _joined(pieces: list[str]) -> list[str]:
    """Phrases with a Latin word or number cut between two of them put back together."""
    joined: list[str] = []
    for piece in pieces:
        if (
            joined
            and joined[-1][-1:].isascii()
            and joined[-1][-1:].isalnum()
            and (piece[:1].isascii() and piece[:1].isalnum())
        ):
            joined[-1] += piece
        else:
            joined.append(piece)
    return joined
