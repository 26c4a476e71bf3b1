"""Where text may be cut: sentences, phrases, grapheme clusters and bare URLs.

Every ``*_bounds`` function returns the offsets (``0 < offset < len(text)``) where a new
piece may start, in increasing order; the matching list functions give the pieces, whose
concatenation is always the text itself (white space stays with the piece before it).
"""

from __future__ import annotations

from functools import cache
from itertools import pairwise

import budoux
import regex

# Closing brackets and quotes that belong to the sentence they close.
_CLOSERS = "」』）】〕〉》］｝〙〗”’\"')]}»＂＇"
_JA_STOPS = "。！？｡"
_QUOTATIVE = "とっ"
_TERMINATOR_RUN = regex.compile(rf"(?:[{_JA_STOPS}．!?.…！？]+[{regex.escape(_CLOSERS)}]*|\n)")
_JAPANESE = regex.compile(r"[\p{Hiragana}\p{Katakana}\p{Han}ー々〆]")
_WORD_BEFORE = regex.compile(r"(\S+)\Z")
_SPACE_AFTER = regex.compile(r"\s+")
_INITIALS = regex.compile(r"(?:\p{L}\.)*\p{L}")
_GRAPHEME = regex.compile(r"\X")
_SPACE_RUN = regex.compile(r"\s+")
_URL = regex.compile(
    r"(?:https?://|ftp://|mailto:|www\.)"
    r"[^\s<>\"'「」『』（）【】〔〕、。，．！？]+",
    regex.IGNORECASE,
)
# Japanese right after an ASCII path character is prose, not an IRI path (wiki/日本 is).
_IRI_END = regex.compile(r"(?<=[\x21-\x7e])(?<![/=?&#_-])[^\x00-\x7f].*\Z", regex.DOTALL)
_URL_TRAILING = ".,;:!?'\"*_"
_URL_SEPARATORS = regex.compile(r"[/?&#=]+")

# Words that end with a period without ending the sentence (compared lower-cased, no dot).
_ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "mx", "dr", "prof", "sr", "jr", "st", "mt", "vs", "v", "cf"),
        *("approx", "ca", "no", "nos", "fig", "figs", "vol", "vols", "pp", "p", "ed", "eds"),
        *("al", "gen", "col", "lt", "sgt", "capt", "rev", "hon", "est", "dept", "univ"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        *("inc", "ltd", "co", "corp", "e.g", "i.e", "viz", "resp"),
    }
)


def sentence_bounds(text: str) -> list[int]:
    """Offsets where a new sentence starts.

    Japanese sentences end at 。！？ (and their half-width forms), with any closing brackets
    or quotes (」』）】…) kept; half-width ``!``/``?`` end one only between Japanese
    characters. Western sentences end at ``.``, ``!``, ``?`` or ``…`` followed by white
    space, but not after an abbreviation (``Dr.``, ``e.g.``), an initial (``J.``), or before
    a lower-case word; decimals, version numbers and URLs have no white space after their
    dots, so they never end a sentence. A line break always ends one.
    """
    bounds: list[int] = []
    size = len(text)
    for match in _TERMINATOR_RUN.finditer(text):
        end = match.end()
        if end >= size:
            break
        if _ends_sentence(text, match.start(), end):
            space = _SPACE_AFTER.match(text, end)
            start = space.end() if space else end
            if start < size and (not bounds or bounds[-1] < start):
                bounds.append(start)
    return bounds


def _ends_sentence(text: str, start: int, end: int) -> bool:
    run = text[start:end]
    if run == "\n":
        return True
    after = text[end]
    if any(stop in run for stop in _JA_STOPS):
        # 「…です。」と言った: a quotation followed by と or って goes on in the same sentence.
        return not (run[-1] in _CLOSERS and after in _QUOTATIVE)
    if "．" in run:
        return not after.isdigit()
    if after.isspace():
        if "!" in run or "?" in run or "！" in run or "？" in run:
            return True
        return not _continues(text, start, end)
    if "!" in run or "?" in run or "！" in run or "？" in run:
        before = text[start - 1] if start else ""
        return bool(_JAPANESE.match(before)) and bool(_JAPANESE.match(after) or after in "「『（【")
    return False


def _continues(text: str, start: int, end: int) -> bool:
    """True when a period followed by white space does not end the sentence."""
    space = _SPACE_AFTER.match(text, end)
    following = text[space.end()] if space and space.end() < len(text) else ""
    if following.islower():
        return True
    if text[start] == "…" or text[start:end].startswith(".."):
        return False
    word = _WORD_BEFORE.search(text, 0, start)
    if not word:
        return False
    token = word.group(1).lstrip("([{\"'“‘「『")
    if token.lower() in _ABBREVIATIONS:
        return True
    return bool(_INITIALS.fullmatch(token)) and len(token) <= 5


def sentences(text: str) -> list[str]:
    """The sentences of a text (see ``sentence_bounds``), white space kept."""
    return _pieces(text, sentence_bounds(text))


def line_bounds(text: str) -> list[int]:
    """Offsets where a new line starts: the sentence level of a code block."""
    return [m.end() for m in regex.finditer(r"\n", text) if m.end() < len(text)]


@cache
def _japanese_parser() -> budoux.Parser:
    return budoux.load_default_japanese_parser()


def phrase_bounds(text: str) -> list[int]:
    """Offsets where a phrase or word starts.

    Japanese text is cut into BudouX phrases (``契約は、`` ``単なる`` ``インフラ調達以上の``);
    any text also breaks after white space, so Western text comes apart into words.
    """
    found: set[int] = {m.end() for m in _SPACE_RUN.finditer(text)}
    if _JAPANESE.search(text):
        offset = 0
        for chunk in _japanese_parser().parse(text)[:-1]:
            offset += len(chunk)
            found.add(offset)
    return sorted(b for b in found if 0 < b < len(text))


def phrases(text: str) -> list[str]:
    """The phrases (Japanese) and words (Western) of a text, white space kept."""
    return _pieces(text, phrase_bounds(text))


def grapheme_bounds(text: str) -> list[int]:
    """Offsets between extended grapheme clusters (what a reader sees as one character)."""
    return [m.end() for m in _GRAPHEME.finditer(text)][:-1]


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of a text: ZWJ emoji, flags and accents stay whole."""
    return list(_GRAPHEME.findall(text))


def url_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` offsets of the bare URLs in a text, trailing punctuation excluded."""
    spans: list[tuple[int, int]] = []
    for match in _URL.finditer(text):
        url = _IRI_END.sub("", match.group())
        while url and url[-1] in _URL_TRAILING:
            url = url[:-1]
        if url.endswith(")") and url.count("(") < url.count(")"):
            url = url[:-1]
        if len(url) > 4:
            spans.append((match.start(), match.start() + len(url)))
    return spans


def url_separator_bounds(text: str) -> list[int]:
    """Offsets just after the separators of a URL (``/ ? & # =``): its gentlest cuts."""
    return [m.end() for m in _URL_SEPARATORS.finditer(text) if m.end() < len(text)]


def _pieces(text: str, bounds: list[int]) -> list[str]:
    if not text:
        return []
    edges = [0, *bounds, len(text)]
    return [text[a:b] for a, b in pairwise(edges)]
