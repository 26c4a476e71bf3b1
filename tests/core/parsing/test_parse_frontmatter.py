"""Issue facts: YAML front matter, Pelican metadata, the file name, and clear errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from core.errors import ContentError
from core.model import Issue
from core.parsing import parse_issue
from core.profile import Profile

JST = timezone(timedelta(hours=9))


def parse(text: str, name: str, profile: Profile) -> Issue:
    return parse_issue(text.encode(), name=name, profile=profile)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("content/issues/2025-10-04.txt", date(2025, 10, 4)),
        ("2025-10-04-this-week-in-rust.md", date(2025, 10, 4)),
        ("deno-weekly/articles/2026/07/19.md", date(2026, 7, 19)),
        ("notes/draft.md", None),
        ("2025-13-45.txt", None),  # not a date: no date rather than a wrong one
        ("1234/56/78.md", None),
        ("0001-01-01.txt", None),  # off any calendar a time zone can move it on
    ],
)
def test_date_from_file_name(name: str, expected: date | None, profile: Profile) -> None:
    assert parse("トピック\n🚀 A\n本文。\n", name, profile).date == expected


def test_yaml_front_matter_overrides_the_file_name(profile: Profile) -> None:
    issue = parse(
        "---\ntitle: 週刊ビジネスレター 第2号\nnumber: 2\ndate: 2025-10-11\n"
        "publish_at: 2025-10-11 06:30\ntags: [a, b]\ncategories:\n  - news\n"
        "description: >\n  folded\n  text\nlayout: post\n---\nトピック\n🚀 A\n本文。\n",
        "2025-10-04.txt",
        profile,
    )
    assert (issue.number, issue.title, issue.date) == (
        2,
        "週刊ビジネスレター 第2号",
        date(2025, 10, 11),
    )
    # A time without a zone is the newsletter's time zone.
    assert issue.publish_at == datetime(2025, 10, 11, 6, 30, tzinfo=JST)
    assert issue.sections[0].items[0].title == "🚀 A"


def test_front_matter_lines_count_for_note_lines(profile: Profile) -> None:
    issue = parse("---\ntitle: x\n---\nトピック\n🚀 A\n本文。\nコメント\n", "a.txt", profile)
    assert issue.notes[0].line == 7


def test_publish_at_date_only_uses_the_profile_publish_time(profile: Profile) -> None:
    issue = parse("---\npublish_at: 2025-10-11\n---\n本文。\n", "a.txt", profile)
    assert issue.publish_at == datetime(2025, 10, 11, 7, 0, tzinfo=JST)


def test_aware_date_is_read_in_the_newsletter_zone(profile: Profile) -> None:
    # 23:30 UTC on the 10th is the morning of the 11th in Tokyo.
    issue = parse("---\ndate: 2025-10-10T23:30:00Z\n---\n本文。\n", "a.txt", profile)
    assert issue.date == date(2025, 10, 11)


def test_slash_dates_and_hash_numbers(profile: Profile) -> None:
    issue = parse("---\ndate: 2025/10/11\nnumber: '#12'\n---\n本文。\n", "a.txt", profile)
    assert (issue.date, issue.number) == (date(2025, 10, 11), 12)


def test_pelican_metadata() -> None:
    issue = parse(
        "Title: This Week in Rust 665\nNumber: 665\nDate: 2026-08-19\n"
        "Category: This Week in Rust\n\nHello and welcome.\n\n## Crate of the Week\n\nA crate.\n",
        "2026-08-18-this-week-in-rust.md",
        Profile.default(),
    )
    assert (issue.title, issue.number, issue.date) == (
        "This Week in Rust 665",
        665,
        date(2026, 8, 19),
    )
    assert [s.key for s in issue.sections] == ["intro", "crate-of-the-week"]
    assert issue.sections[0].title == "This Week in Rust 665"


def test_a_first_line_with_a_colon_is_not_metadata(profile: Profile) -> None:
    issue = parse("Note: 今週は休刊です。\n続きはまた来週。\n", "2025-10-04.txt", profile)
    assert issue.title is None
    assert issue.sections[0].items[0].blocks[0].text == "Note: 今週は休刊です。"


def test_unclosed_dashes_are_a_rule_not_front_matter() -> None:
    issue = parse("---\n\n## One\n\nText.\n", "a.md", Profile.default())
    assert [s.key for s in issue.sections] == ["one"]


def test_dashes_around_text_are_separators_not_front_matter(profile: Profile) -> None:
    issue = parse("---\nトピック\n---\n🚀 A\n本文です。\n", "2025-10-04.txt", profile)
    assert [(s.key, [i.title for i in s.items]) for s in issue.sections] == [("topic", ["🚀 A"])]


def test_pelican_continuation_lines() -> None:
    issue = parse(
        "Title: This Week\n  in Rust 600\nDate: 2025-06-04\n\nHello.\n",
        "x.md",
        Profile.default(),
    )
    assert (issue.title, issue.date) == ("This Week in Rust 600", date(2025, 6, 4))


@pytest.mark.parametrize(
    ("front", "line", "words"),
    [
        ("title: [unclosed\n", 2, "not valid YAML"),
        ("title: ok\ndate: next tuesday\n", 3, "'date' 'next tuesday' is not a date"),
        ("title: ok\n\ndate: 2025-02-30\n", 4, "'date' '2025-02-30' is not a real date"),
        ("number: two\n", 2, "'number' is not a whole number"),
        ("title: ok\nnumber: 100000000000000000000000000000\n", 3, "'number' must be from 1 to"),
        ("number: -3\n", 2, "'number' must be from 1 to 2147483647, not -3"),
        ("number: 0\n", 2, "'number' must be from 1 to 2147483647, not 0"),
        ("number: 2.5\n", 2, "'number' is not a whole number"),
        ("number: 2.0\n", 2, "'number' is not a whole number"),
        ("number: .inf\n", 2, "'number' is not a whole number"),
        ("number: '#2147483648'\n", 2, "'number' must be from 1 to 2147483647"),
        ("title: ok\nnumber: 1" + "0" * 5000 + "\n", 3, "a number too long to read (5001 digits)"),
        ("date: 0001-01-01\n", 2, "'date' must be in the years 1900 to 9998, not 1"),
        ("publish_at: 9999-12-31T23:00:00-05:00\n", 2, "'publish_at' must be in the years"),
        ("publish_at: soon\n", 2, "'publish_at' 'soon' is not a date"),
        ("title:\n  - a list\n", 2, "'title' must be text"),
        ("title: ok\n- stray list item\n", 3, "not valid YAML"),
    ],
)
def test_bad_front_matter_names_file_and_line(
    front: str, line: int, words: str, profile: Profile
) -> None:
    # The file name gives no date to fall back on, so a date it cannot read stops the file.
    with pytest.raises(ContentError) as caught:
        parse(f"---\n{front}---\n本文。\n", "content/issues/latest.md", profile)
    assert words in str(caught.value)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"content/issues/latest.md:{line}: ")
    assert caught.value.hint
