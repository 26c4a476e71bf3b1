"""Link-list sections (issue 15, item 11): each top-level bullet of such a section is a story."""

from __future__ import annotations

from core.model import Issue
from core.parsing import parse_issue
from core.profile import Profile, parse_profile


def md(text: str, profile: Profile | None = None) -> Issue:
    return parse_issue(text.encode(), name="2026-08-19.md", profile=profile or Profile.default())


def test_a_link_list_section_of_the_profile_is_one_item_per_story() -> None:
    profile = parse_profile(
        {"name": "n", "sections": [{"key": "services", "title": "Services", "link_list": True}]}
    )
    issue = md(
        "## Services\n\n*Monthly.*\n\n- **A:** [a](https://a.example) text\n  - nested\n\n"
        "  More on A.\n\n- **B:** b\n",
        profile,
    )
    items = issue.sections[0].items
    assert [[b.text for b in item.blocks] for item in items] == [
        ["Monthly."],
        ["A: a text", "nested", "More on A."],
        ["B: b"],
    ]


def test_a_long_list_of_described_links_is_detected_and_a_list_of_titles_is_not() -> None:
    story = "- [Story {n}](https://example.com/{n}) - " + "A sentence that says what it is. " * 4
    stories = "\n".join(story.format(n=n) for n in range(12))
    titles = "\n".join(f"- [Fix bug {n}](https://github.com/x/pull/{n})" for n in range(60))
    issue = md(f"## React\n\n{stories}\n\n## Merged\n\n{titles}\n")
    assert [len(s.items) for s in issue.sections] == [12, 1]
    never = parse_profile(
        {"name": "n", "sections": [{"key": "react", "title": "React", "link_list": False}]}
    )
    assert len(md(f"## React\n\n{stories}\n", never).sections[0].items) == 1
