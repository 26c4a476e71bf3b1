"""The newsletter's content model: what an issue is, and what a post is.

Everything outside ``core`` speaks these neutral value objects; only the platform renderers
turn them into Block Kit or LINE message objects.

An issue is a tree: ``Issue`` → ``Section`` (recognised by the newsletter profile) → ``Item``
(an optional headline plus blocks) → ``Block`` (paragraph, bullet, sub-heading, quote, code)
→ ``Span`` (a run of inline text with one style).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

# Issue numbers run from 1 to the largest a database INTEGER holds (SQLite and PostgreSQL).
MAX_ISSUE_NUMBER = 2_147_483_647
# Dates an issue may carry: wide enough for any newsletter, narrow enough that a time zone
# shift never leaves the calendar.
FIRST_YEAR, LAST_YEAR = 1900, 9998


@dataclass(frozen=True, slots=True)
class Span:
    """A run of inline text with one style; ``href`` makes it a link.

    ``carried`` marks text the splitter adds to a post, not newsletter text: the address of
    a link too long for the platform to take as a link, carried as text (``Post.text``
    leaves it out).
    """

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None
    carried: bool = False


def plain(spans: tuple[Span, ...] | None) -> str:
    """The text of some spans with all markup removed."""
    if not spans:
        return ""
    return "".join(span.text for span in spans)


class BlockKind(StrEnum):
    """What a block is, which decides how renderers draw it."""

    PARAGRAPH = "paragraph"
    BULLET = "bullet"
    SUBHEADING = "subheading"
    QUOTE = "quote"
    CODE = "code"


@dataclass(frozen=True, slots=True)
class Block:
    """One block of an item's body.

    ``depth`` is the nesting level of a bullet (0 for top level); ``ordinal`` is the number of an
    ordered-list bullet. A block split across posts keeps its kind in every piece.
    """

    kind: BlockKind
    spans: tuple[Span, ...]
    depth: int = 0
    ordinal: int | None = None

    @property
    def text(self) -> str:
        """The block's text without markup."""
        return plain(self.spans)


@dataclass(frozen=True, slots=True)
class Item:
    """One story of a section: an optional headline and its body blocks."""

    headline: tuple[Span, ...] | None
    blocks: tuple[Block, ...]

    @property
    def title(self) -> str | None:
        """The headline as plain text, or None for an item without one (an afterword)."""
        return plain(self.headline) if self.headline else None

    @property
    def text(self) -> str:
        """The body as plain text, one block a line."""
        return "\n".join(block.text for block in self.blocks)


@dataclass(frozen=True, slots=True)
class Section:
    """A part of an issue that a reader can ask for by name.

    ``key`` is the profile's key for it (``topic``) or a slug of the heading; ``title`` is the
    heading as the issue wrote it (``小ネタ2本``).
    """

    key: str
    title: str
    items: tuple[Item, ...]


class NoteKind(StrEnum):
    """What the parser has to say about a line."""

    DROPPED = "dropped"  # boilerplate removed on purpose (a trailing コメント)
    WARNING = "warning"  # something a person should look at


@dataclass(frozen=True, slots=True)
class ParseNote:
    """A remark the parser makes about the source, with the line it concerns (1-based)."""

    kind: NoteKind
    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class IssueRef:
    """The few facts that identify an issue to a reader."""

    number: int | None
    title: str | None
    date: date | None


@dataclass(frozen=True, slots=True)
class Issue:
    """A parsed issue of the newsletter.

    ``number``, ``title`` and ``date`` come from front matter or the file name and may be None
    where nothing says; storage fills in the number by date order.
    """

    sections: tuple[Section, ...]
    number: int | None = None
    title: str | None = None
    date: date | None = None
    publish_at: datetime | None = None
    notes: tuple[ParseNote, ...] = ()

    @property
    def ref(self) -> IssueRef:
        """The identifying facts of this issue."""
        return IssueRef(number=self.number, title=self.title, date=self.date)

    def section(self, key: str) -> Section | None:
        """The section with this key, if the issue has it."""
        return next((s for s in self.sections if s.key == key), None)


@dataclass(frozen=True, slots=True)
class Post:
    """One message as a reader gets it: a part of one item, for one platform.

    ``headline`` is set only on an item's first part; ``blocks`` are the body blocks (or pieces
    of blocks) this part carries. ``part`` counts from 1 to ``parts`` within the item.
    """

    platform: str
    issue: IssueRef
    section_key: str
    section_title: str
    item: int
    part: int
    parts: int
    headline: tuple[Span, ...] | None
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        """Exactly the newsletter text this post carries, markup (and carried addresses)
        removed."""
        lines = [_newsletter_text(self.headline)] if self.headline else []
        lines.extend(_newsletter_text(block.spans) for block in self.blocks)
        return "\n".join(lines)


def _newsletter_text(spans: tuple[Span, ...]) -> str:
    return "".join(span.text for span in spans if not span.carried)


@dataclass(frozen=True, slots=True)
class SectionSummary:
    """One line of a digest: a section, its first headline and a short excerpt.

    ``label`` is the profile's display title (``小ネタ``), ``title`` the heading as written.
    """

    key: str
    title: str
    label: str
    headline: str | None
    excerpt: str
    items: int
    # The excerpt with its inline styles (bold...): the same text, as spans; () when unknown.
    excerpt_spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Overview:
    """An issue at a glance: what a digest's parent message or carousel shows."""

    newsletter: str
    issue: IssueRef
    sections: tuple[SectionSummary, ...]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A follow-up a reader can take: a button on Slack, a quick reply on LINE.

    ``command`` is the text the command engine understands when the button is pressed.
    """

    label: str
    command: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the command engine answers: posts and/or a plain message, and follow-ups.

    ``more`` is set when the answer has further parts than were sent; pressing it fetches the
    next page. ``intent`` names what the engine understood (``section``, ``help``, ...).
    ``overview`` is set for a digest answer (``latest``, ``issue 3``). ``language`` is the
    language the reader wrote in (``ja`` or ``en``), for the adapters' own words. ``marks``
    are words to highlight where the platform can in ``message`` below its first line (the
    words a search found, in its results).
    """

    intent: str
    posts: tuple[Post, ...] = ()
    message: str | None = None
    overview: Overview | None = None
    language: str = "en"
    suggestions: tuple[Suggestion, ...] = ()
    more: Suggestion | None = None
    args: dict[str, str] = field(default_factory=dict)
    marks: tuple[str, ...] = ()
