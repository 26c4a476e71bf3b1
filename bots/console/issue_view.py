"""One issue as the console shows it: outline beside each platform's posts, problems in place.

Everything is drawn through the platforms' own renderers (see ``bots.registry``),
so what the console shows is exactly what the bots send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bots import registry
from bots.console.structure import NoteView, Outline, outline_item, place_notes
from bots.meters import Measured, Meter
from bots.rendering import Renderer
from core.model import Issue, Overview, Post, Section
from core.overview import summarize
from core.profile import Profile
from core.splitting import LimitsTooSmall, long_links, split_section


@dataclass(slots=True)
class PostView:
    """One post as sent, measured; ``anchor`` is its id on the page."""

    post: Post
    message: Measured
    anchor: str

    @property
    def problems(self) -> list[str]:
        """What is wrong with this post, if anything."""
        return self.message.problems


@dataclass(slots=True)
class SectionView:
    """A section: its outline, its posts per platform, and what is wrong with it."""

    index: int
    section: Section
    label: str
    known: bool
    items: list[Outline]
    posts: dict[str, list[PostView]]
    notes: list[NoteView] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The section's id on the page."""
        return f"s-{self.index}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem, and the anchor of the place it happens."""

    where: str
    message: str
    anchor: str
    kind: str = "problem"  # or a parser note's kind: dropped, warning


@dataclass(slots=True)
class IssueView:
    """Everything the issue page draws."""

    issue: Issue
    overview: Overview
    sections: list[SectionView]
    digest: dict[str, Measured]
    notes: list[NoteView]

    def posts_on(self, platform: str) -> int:
        """How many posts the issue becomes on a platform."""
        return sum(len(view.posts.get(platform, ())) for view in self.sections)

    @property
    def problems(self) -> list[Problem]:
        """Every problem on the page, in page order (a deliberate drop is a note, not one)."""
        return [p for p in self._remarks() if p.kind != "dropped"]

    @property
    def dropped(self) -> list[Problem]:
        """What the profile drops on purpose (``drop_trailing``): said, but not a problem."""
        return [p for p in self._remarks() if p.kind == "dropped"]

    def _remarks(self) -> list[Problem]:
        found: list[Problem] = []
        for note in self.notes:
            found.append(Problem("issue", _note_text(note), "notes", note.kind))
        for platform, measured in self.digest.items():
            found += [
                Problem(f"{platform} digest", p, f"digest-{platform}") for p in measured.problems
            ]
        for view in self.sections:
            where = view.label
            found += [Problem(where, p, view.anchor) for p in view.problems]
            found += [Problem(where, _note_text(n), view.anchor, n.kind) for n in view.notes]
            for outline in view.items:
                found += [Problem(where, p, view.anchor) for p in outline.problems]
            for platform, posts in view.posts.items():
                for post in posts:
                    name = f"{where} · {platform} {post.post.part}/{post.post.parts}"
                    found += [Problem(name, p, post.anchor) for p in post.problems]
        return found


def build_issue_view(
    issue: Issue,
    profile: Profile,
    renderers: Mapping[str, Renderer],
    *,
    source: str | None = None,
) -> IssueView:
    """The issue page's content for an issue (stored or only previewed).

    Args:
        issue: the parsed issue.
        profile: the newsletter profile (labels, which sections it knows).
        renderers: ``slack`` and ``line`` renderers.
        source: the issue file's text, to place parser notes at their section.
    """
    top, by_section = place_notes(issue.sections, issue.notes, source)
    sections = [
        _section_view(index, section, issue, profile, renderers, by_section.get(index, []))
        for index, section in enumerate(issue.sections)
    ]
    overview = summarize(issue, profile)
    digest = {
        name: _digest(name, overview, renderer, profile) for name, renderer in renderers.items()
    }
    return IssueView(issue, overview, sections, digest, top)


def _section_view(
    index: int,
    section: Section,
    issue: Issue,
    profile: Profile,
    renderers: Mapping[str, Renderer],
    notes: list[NoteView],
) -> SectionView:
    spec = profile.spec(section.key)
    known = spec is not None or not profile.sections
    view = SectionView(
        index=index,
        section=section,
        label=spec.title if spec else section.title,
        known=known,
        items=[],
        posts={},
        notes=notes,
    )
    if not known:
        view.problems.append(
            f"“{section.title}” is not a section of the newsletter profile: readers reach it "
            f"only by its exact heading (no aliases, no subscriptions to it). Add it to "
            f"newsletter.toml, or fix the heading."
        )
    split: dict[str, list[Post]] = {}
    for name, renderer in renderers.items():
        view.notes.extend(_long_link_notes(name, section, renderer))
        try:
            split[name] = split_section(section, issue.ref, renderer.limits)
        except LimitsTooSmall as exc:
            view.problems.append(f"{name}: cannot split this section: {exc}")
            split[name] = []
        view.posts[name] = [
            _post_view(post, renderer, f"{view.anchor}-{name}-{number}")
            for number, post in enumerate(split[name])
        ]
    for item_index, item in enumerate(section.items):
        mine = {name: [p for p in posts if p.item == item_index] for name, posts in split.items()}
        view.items.append(outline_item(item, mine))
    return view


def _long_link_notes(platform: str, section: Section, renderer: Renderer) -> list[NoteView]:
    """A note for each link too long for the platform to take as a link (see
    ``core.splitting.links``): its address goes out as text, cut across parts."""
    name = registry.platform(platform).title
    return [
        NoteView(
            "warning",
            f"{name}: a link of {len(url):,} characters is longer than {name} takes as a "
            f"link; its address is sent as text after the link's words, cut across parts "
            f"({url[:60]}…)",
            None,
            None,
        )
        for url in long_links(section, renderer.limits.keeps_link)
    ]


def _post_view(post: Post, renderer: Renderer, anchor: str) -> PostView:
    limits = renderer.limits
    platform = registry.platform(renderer.platform)
    body = Meter(platform.size_unit, limits.measure(post.headline, post.blocks), limits.max_size)
    return PostView(post, platform.measure(renderer.post(post), body), anchor)


def _digest(platform: str, overview: Overview, renderer: Renderer, profile: Profile) -> Measured:
    # As the platform's publisher sends it (Slack's parent, LINE's carousel and buttons).
    contract = registry.platform(platform)
    return contract.measure(contract.digest(renderer, overview, profile))


def _note_text(note: NoteView) -> str:
    where = f"line {note.line}: " if note.line else ""
    return f"{where}{note.message}"
