"""An issue at a glance: the sections, their first headline and an excerpt."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from core.model import Block, Issue, Overview, SectionSummary, Span
from core.profile import Profile

EXCERPT_CHARS = 80


def summarize(issue: Issue, profile: Profile, sections: Iterable[str] = ()) -> Overview:
    """Build the overview of an issue, narrowed to some section keys (all when empty)."""
    wanted = set(sections)
    summaries = []
    for section in issue.sections:
        if wanted and section.key not in wanted:
            continue
        spec = profile.spec(section.key)
        first = section.items[0] if section.items else None
        summaries.append(
            SectionSummary(
                key=section.key,
                title=section.title,
                label=spec.title if spec else section.title,
                headline=first.title if first else None,
                excerpt=excerpt(first.text if first else ""),
                items=len(section.items),
                excerpt_spans=excerpt_spans(first.blocks if first else ()),
            )
        )
    return Overview(newsletter=profile.name, issue=issue.ref, sections=tuple(summaries))


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first sentence-ish of a text, cut at ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def excerpt_spans(blocks: Sequence[Block], limit: int = EXCERPT_CHARS) -> tuple[Span, ...]:
    """``excerpt`` of the blocks' text, keeping each character's inline style as spans.

    The spans' text is exactly ``excerpt("\n".join(block.text for block in blocks))``. A run
    of one style is one span (a link is one link); the ellipsis is plain.
    """
    chars: list[tuple[str, Span | None]] = []  # (character, the span it came from)
    pending_space = False
    for index, block in enumerate(blocks):
        if index:
            pending_space = bool(chars)
        for span in block.spans:
            for char in span.text:
                if char.isspace():
                    pending_space = bool(chars)
                    continue
                if pending_space:
                    # A space inside one span keeps its style: a linked headline stays one
                    # link, not a link per word.
                    inside = chars[-1][1] is span
                    chars.append((" ", span if inside else None))
                    pending_space = False
                chars.append((char, span))
    if len(chars) > limit:
        chars = chars[: limit - 1]
        while chars and chars[-1][0].isspace():
            chars.pop()
        chars.append(("…", None))
    spans: list[Span] = []
    run: list[str] = []
    source: Span | None = None
    for char, origin in chars:
        if run and _style(origin) != _style(source):
            spans.append(_restyled(source, "".join(run)))
            run = []
        run.append(char)
        source = origin
    if run:
        spans.append(_restyled(source, "".join(run)))
    return tuple(spans)


def _style(span: Span | None) -> tuple[bool, bool, bool, str | None]:
    if span is None:
        return (False, False, False, None)
    return (span.bold, span.italic, span.code, span.href)


def _restyled(source: Span | None, text: str) -> Span:
    bold, italic, code, href = _style(source)
    return Span(text=text, bold=bold, italic=italic, code=code, href=href)
