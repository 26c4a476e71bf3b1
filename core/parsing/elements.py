"""The element stream: what every input form (plain text, Markdown, HTML) reduces an issue to.

A reader turns its source into a flat sequence of elements in document order, plus the facts
its front matter gives (``IssueMeta``). It decides nothing about sections or items: that is the
assembler's job (``core.parsing.assemble``), so every input form gets the same structure rules.

- ``HeadingElement``: a heading with its level (1 is the outermost, as ``<h1>``/``#``). The
  assembler decides which headings start sections, which start items and which become
  sub-heading blocks.
- ``BlockElement``: a body block (paragraph, bullet, quote, code, or a sub-heading the reader
  already knows is one, such as the short lines of the plain-text form).

Every element carries the 1-based source line it starts on, for messages and notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.model import BlockKind, ParseNote, Span, plain


@dataclass(frozen=True, slots=True)
class HeadingElement:
    """A heading of the source.

    Attributes:
        level: 1 for the outermost heading (``#``, ``<h1>``), up to 6.
        spans: the heading's inline text.
        line: the 1-based source line, when known.
    """

    level: int
    spans: tuple[Span, ...]
    line: int | None = None

    @property
    def text(self) -> str:
        """The heading without markup."""
        return plain(self.spans)


@dataclass(frozen=True, slots=True)
class BlockElement:
    """A body block of the source.

    Attributes:
        kind: paragraph, bullet, sub-heading, quote or code.
        spans: the block's inline text.
        line: the 1-based source line, when known.
        depth: the nesting level of a bullet (0 for top level).
        ordinal: the number of an ordered-list bullet.
    """

    kind: BlockKind
    spans: tuple[Span, ...]
    line: int | None = None
    depth: int = 0
    ordinal: int | None = None

    @property
    def text(self) -> str:
        """The block without markup."""
        return plain(self.spans)


Element = HeadingElement | BlockElement
"""One item of the element stream."""


@dataclass(frozen=True, slots=True)
class IssueMeta:
    """What a source says about the issue as a whole (front matter, file name, feed entry).

    Every field may be None where nothing says; ``merged`` lets a stronger source override a
    weaker one (front matter over the file name). ``notes`` are remarks on these facts (a
    front matter date not understood, the file name's used instead), for the issue's notes.
    """

    number: int | None = None
    title: str | None = None
    date: date | None = None
    publish_at: datetime | None = None
    notes: tuple[ParseNote, ...] = ()

    def merged(self, stronger: IssueMeta) -> IssueMeta:
        """These facts, overridden by every fact ``stronger`` has."""
        return IssueMeta(
            number=stronger.number if stronger.number is not None else self.number,
            title=stronger.title if stronger.title is not None else self.title,
            date=stronger.date if stronger.date is not None else self.date,
            publish_at=stronger.publish_at if stronger.publish_at is not None else self.publish_at,
            notes=self.notes + stronger.notes,
        )
