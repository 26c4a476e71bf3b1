"""The assembler: one set of structure rules for every input form.

Readers (plain text, Markdown, HTML feeds) reduce a source to a flat element stream
(``core.parsing.elements``). ``assemble`` applies the newsletter profile to that stream and
builds ``Issue`` → ``Section`` → ``Item`` → ``Block``:

1. Trailing boilerplate (``Profile.is_dropped``, e.g. ``コメント``) is removed and noted.
2. A lone ``#`` heading that opens the document is its title (the issue title when the front
   matter has none, else the title of the lead section).
3. Section starts. Headings the profile recognises start sections under the profile's key;
   an unknown heading at their level or above starts a section keyed by ``slug``. Without any
   recognised heading the *top level* starts sections: the level of the first heading, or a
   shallower one that occurs at least twice (This Week in Rust opens with ``##`` and has one
   stray ``# Quote of the Week``: ``##`` is the top and the stray ``#`` is a section too;
   JSer.info opens with an ``##`` notice before its ``<h1>`` genres: ``#`` is the top).
4. Within a section the shallowest heading level starts items (the headline); deeper headings
   become sub-heading blocks. A section whose spec says ``headlines = false`` is one item
   without a headline. Text before a section's first item is an item without a headline.
   In a link-list section (``link_list``, or detected: ``core.parsing.stories``) each
   top-level bullet is an item of its own.
5. Text before the first section is a section keyed ``intro``. A stream without headings is one
   section keyed ``body``, with a warning.
6. Keys are unique within an issue: a repeated one becomes ``topic-2``, with a warning.

A new input form needs only a reader. For an RSS/Atom entry, for example::

    elements = read_html_block(entry_html, line=None)  # or the reader's own walk
    meta = IssueMeta(title=entry.title, date=entry_date)
    issue = assemble(elements, profile, meta=meta, source=f"{feed_url}#{entry.id}")
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.errors import ContentError
from core.model import Block, BlockKind, Issue, Item, NoteKind, ParseNote, Section, Span
from core.parsing.elements import BlockElement, Element, HeadingElement, IssueMeta
from core.parsing.stories import looks_like_link_list, split_stories
from core.profile import Profile, SectionSpec
from core.textnorm import fold, slug, squash

# Decorations web newsletters put around section titles: 【トピック】, ■ トピック, Topic:
_DECORATION = re.compile(
    r"^[\s#■□◆◇●○◎▼▽▶▷►★☆・*=\-—–\[【「『〔(（<＜]+|[\s:：\]】」』〕)）>＞=\-—–*]+$"
)
INTRO_KEY = "intro"
BODY_KEY = "body"


def recognise_section(profile: Profile, heading: str) -> SectionSpec | None:
    """The profile section a heading names, allowing for decorations such as ``【トピック】``."""
    spec = profile.section_for(heading)
    if spec is None and profile.sections:
        bare = _DECORATION.sub("", heading)
        if bare and bare != heading:
            spec = profile.section_for(bare)
    return spec


def assemble(
    elements: Iterable[Element],
    profile: Profile,
    *,
    meta: IssueMeta | None = None,
    source: str | None = None,
    notes: Iterable[ParseNote] = (),
) -> Issue:
    """Build an issue from an element stream by the newsletter profile's rules.

    Args:
        elements: the stream a reader produced, in document order.
        profile: the newsletter profile (``Profile.default()`` when there is none).
        meta: what front matter, file name or feed entry say about the issue.
        source: the file or feed entry name, for messages.
        notes: notes the reader already made; the assembler's own are appended.

    Returns:
        The issue; ``Issue.notes`` records dropped boilerplate and anything to look at.

    Raises:
        ContentError: the stream holds no text at all.
    """
    meta = meta or IssueMeta()
    collected = list(notes)
    stream = [el for el in elements if el.text.strip()]
    _drop_trailing(stream, profile, collected)
    if not stream:
        raise ContentError(
            "has no content", path=source, hint="an issue needs at least one line of text"
        )
    title, lead_title = _document_title(stream, meta.title, profile)
    starts = _section_starts(stream, profile, collected)
    if starts is None:
        collected.append(
            ParseNote(
                NoteKind.WARNING,
                "no headings found: the whole text is one section; add section headings "
                "(e.g. the section titles of the newsletter profile) to split it",
                stream[0].line,
            )
        )
        drafts = [_Draft(BODY_KEY, lead_title or title or "Body", True, None, stream)]
    else:
        drafts = _drafts(stream, starts, lead_title or title or "Intro", bool(lead_title))
    keys: set[str] = set()
    sections = []
    for draft in drafts:
        key = draft.key
        suffix = 2
        while key in keys:
            key = f"{draft.key}-{suffix}"
            suffix += 1
        if key != draft.key:
            collected.append(
                ParseNote(
                    NoteKind.WARNING,
                    f"section {draft.title!r} appears again; this one is keyed {key!r}",
                    draft.line,
                )
            )
        keys.add(key)
        items = _items(draft.elements, draft.headlines)
        if draft.link_list is not False:
            items = tuple(
                story
                for item in items
                for story in (
                    split_stories(item)
                    if draft.link_list or looks_like_link_list(item)
                    else (item,)
                )
            )
        sections.append(Section(key, draft.title, items))
    return Issue(
        sections=tuple(sections),
        number=meta.number,
        title=title,
        date=meta.date,
        publish_at=meta.publish_at,
        notes=tuple(collected),
    )


@dataclass(slots=True)
class _Draft:
    key: str
    title: str
    headlines: bool
    link_list: bool | None = None
    elements: list[Element] = field(default_factory=list)
    line: int | None = None


def _drop_trailing(stream: list[Element], profile: Profile, notes: list[ParseNote]) -> None:
    dropped = []
    while stream and profile.is_dropped(stream[-1].text):
        dropped.append(stream.pop())
    for element in reversed(dropped):
        notes.append(
            ParseNote(
                NoteKind.DROPPED, f"dropped trailing boilerplate {element.text!r}", element.line
            )
        )


def _document_title(
    stream: list[Element], title: str | None, profile: Profile
) -> tuple[str | None, str | None]:
    """Take a lone opening ``#`` heading that names no section as the document title.

    Returns the issue title and, when the front matter named a different one, the heading's
    text as the lead section's title.
    """
    first = stream[0]
    if not isinstance(first, HeadingElement) or first.level != 1:
        return title, None
    if recognise_section(profile, first.text):
        return title, None
    if any(isinstance(el, HeadingElement) and el.level == 1 for el in stream[1:]):
        return title, None
    text = squash(first.text)
    del stream[0]
    if title is None:
        return text, None
    return title, (None if fold(text) == fold(title) else text)


def _section_starts(
    stream: list[Element], profile: Profile, notes: list[ParseNote]
) -> dict[int, SectionSpec | None] | None:
    """Index of every element that starts a section, with the profile spec it names."""
    headings = [(i, el) for i, el in enumerate(stream) if isinstance(el, HeadingElement)]
    if not headings:
        return None
    known = {i: spec for i, el in headings if (spec := recognise_section(profile, el.text))}
    starts: dict[int, SectionSpec | None] = {}
    if known:
        level = min(el.level for i, el in headings if i in known)
        for i, el in headings:
            if i in known:
                starts[i] = known[i]
            elif el.level <= level:
                starts[i] = None
                notes.append(
                    ParseNote(
                        NoteKind.WARNING,
                        f"heading {el.text!r} is not a section of the profile; "
                        f"it becomes section {slug(el.text)!r}",
                        el.line,
                    )
                )
        return starts
    if profile.sections:
        names = ", ".join(spec.title for spec in profile.sections)
        notes.append(
            ParseNote(
                NoteKind.WARNING,
                f"no heading names a section of the profile ({names}); "
                "the top-level headings become sections",
                headings[0][1].line,
            )
        )
    counts = Counter(el.level for _, el in headings)
    top = min([headings[0][1].level, *(lvl for lvl, n in counts.items() if n >= 2)])
    return {i: None for i, el in headings if el.level <= top}


def _drafts(
    stream: list[Element],
    starts: dict[int, SectionSpec | None],
    lead_title: str,
    titled_lead: bool,
) -> list[_Draft]:
    # A lead titled by its own heading is kept even when empty: the heading is text.
    drafts = [_Draft(INTRO_KEY, lead_title, True)] if titled_lead else []
    for index, element in enumerate(stream):
        if index in starts:
            spec = starts[index]
            title = squash(element.text)
            if spec is None:
                drafts.append(_Draft(slug(title), title, True, line=element.line))
            else:
                drafts.append(
                    _Draft(spec.key, title, spec.headlines, spec.link_list, line=element.line)
                )
            continue
        if not drafts:
            drafts.append(_Draft(INTRO_KEY, lead_title, True))
        drafts[-1].elements.append(element)
    return drafts


def _items(elements: list[Element], headlines: bool) -> tuple[Item, ...]:
    levels = [el.level for el in elements if isinstance(el, HeadingElement)]
    item_level = min(levels) if headlines and levels else None
    items: list[Item] = []
    headline: tuple[Span, ...] | None = None
    blocks: list[Block] = []
    for element in elements:
        if isinstance(element, BlockElement):
            blocks.append(Block(element.kind, element.spans, element.depth, element.ordinal))
        elif element.level == item_level:
            if headline is not None or blocks:
                items.append(Item(headline, tuple(blocks)))
            headline, blocks = element.spans, []
        else:
            blocks.append(Block(BlockKind.SUBHEADING, element.spans))
    if headline is not None or blocks:
        items.append(Item(headline, tuple(blocks)))
    return tuple(items)
