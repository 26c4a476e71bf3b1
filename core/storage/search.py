"""Keyword search over the items of every stored issue, Japanese included.

Text is folded (NFKC, case-folded, white space collapsed) both when it is stored and when it
is searched for, so ``ＣｏｒｅＷｅａｖｅ`` finds ``CoreWeave``. A query is split on white space
and every term must occur. Terms of three characters or more use the trigram index (FTS5
``MATCH`` on SQLite, ``LIKE`` served by pg_trgm on PostgreSQL); shorter ones (``薬価``) can't
make a trigram, so they fall back to ``LIKE`` over the indexed rows. User input never reaches
SQL or FTS syntax unescaped, and control characters (a NUL ends an FTS5 string, PostgreSQL
text can't hold one) are spaces before it gets there.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, column, literal_column, or_, select, table
from sqlalchemy.exc import DBAPIError

from core.model import IssueRef
from core.storage.models import ItemRow
from core.textnorm import strip_controls

TRIGRAM = 3
_SPACE = re.compile(r"\s+")
_LIKE_ESCAPE = "\\"
_fts = table("issue_items_fts", column("rowid"))


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One item that matched a search.

    ``item`` is the item's index within its section; ``snippet`` is a short stretch of the
    item's text around the first match (or its opening, when only the title matched).
    """

    number: int
    date: date | None
    issue_title: str | None
    section_key: str
    section_title: str
    item: int
    item_title: str | None
    snippet: str

    @property
    def ref(self) -> IssueRef:
        """The issue the hit is in."""
        return IssueRef(number=self.number, title=self.issue_title, date=self.date)


def fold_for_search(text: str) -> str:
    """The form text is stored and searched in: NFKC, case-folded, single spaces."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def search_terms(query: str) -> list[str]:
    """The distinct folded terms of a query, in order (control characters are spaces)."""
    folded = fold_for_search(strip_controls(query))
    seen: dict[str, None] = dict.fromkeys(t for t in folded.split(" ") if t)
    return list(seen)


def fts_phrase(term: str) -> str:
    """A term as an FTS5 string literal: quoted, so ``AND``, ``*``, ``:`` or ``-`` are text."""
    return '"' + term.replace('"', '""') + '"'


def like_pattern(term: str) -> str:
    """``%term%`` with LIKE's wildcards in the term escaped (escape character: backslash)."""
    escaped = term.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def term_conditions(terms: list[str], dialect: str) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``ItemRow`` that hold for items containing every term."""
    conditions: list[ColumnElement[bool]] = []
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    if dialect == "sqlite" and long_terms:
        match = " ".join(fts_phrase(t) for t in long_terms)
        matching = select(_fts.c.rowid).where(literal_column("issue_items_fts").op("MATCH")(match))
        conditions.append(ItemRow.id.in_(matching))
    like_terms = terms if dialect != "sqlite" else [t for t in terms if len(t) < TRIGRAM]
    for term in like_terms:
        pattern = like_pattern(term)
        conditions.append(
            or_(
                ItemRow.search_title.like(pattern, escape=_LIKE_ESCAPE),
                ItemRow.search_body.like(pattern, escape=_LIKE_ESCAPE),
            )
        )
    return [and_(*conditions)] if conditions else []


_FTS_MISTAKES = ("fts5", "syntax error", "unterminated string", "malformed match")
_PG_DATA_EXCEPTION = "22"  # SQLSTATE class: bad data in the query (a NUL, an invalid pattern)


def query_mistake(exc: DBAPIError) -> bool:
    """True when a failed search is down to what was searched for (an FTS5 syntax error,
    text PostgreSQL refuses), not to the database being unwell."""
    cause = exc.orig
    sqlstate = getattr(cause, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith(_PG_DATA_EXCEPTION) or sqlstate in ("42601", "42883")
    return any(word in str(cause).lower() for word in _FTS_MISTAKES)


def snippet(title: str | None, text: str, terms: list[str], *, width: int = 120) -> str:
    """About ``width`` characters of the item's text around the first term found in it.

    Falls back to the title, then to the text's opening, when no term is found in the text.
    """
    for source in (text, title or ""):
        flat = _SPACE.sub(" ", source).strip()
        at, length = _find_folded(flat, terms)
        if at >= 0:
            before = width // 3
            start = max(0, at - before)
            end = min(len(flat), max(at + length, start + width))
            start = max(0, min(start, end - width))
            cut = flat[start:end]
            return ("…" if start > 0 else "") + cut + ("…" if end < len(flat) else "")
    flat = _SPACE.sub(" ", text).strip()
    return flat[:width] + ("…" if len(flat) > width else "")


def _find_folded(text: str, terms: list[str]) -> tuple[int, int]:
    """Where the first of ``terms`` occurs in ``text`` compared folded: (start, length) in
    ``text``'s own characters, or (-1, 0)."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = unicodedata.normalize("NFKC", char).casefold()
        folded.append(piece)
        origin.extend([index] * len(piece))
    haystack = "".join(folded)
    for term in terms:
        at = haystack.find(term)
        if at >= 0:
            last = origin[at + len(term) - 1]
            return origin[at], last - origin[at] + 1
    return -1, 0
