"""An issue at a glance: the sections, their first headline and an excerpt."""

from __future__ import annotations

from collections.abc import Iterable

from core.model import Issue, Overview, SectionSummary
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
            )
        )
    return Overview(newsletter=profile.name, issue=issue.ref, sections=tuple(summaries))


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first sentence-ish of a text, cut at ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"
