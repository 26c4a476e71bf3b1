"""Dates as publishers write them (issue 15, item 2): accepted, or refused with a clear reason.

The formats are those of real generators and feeds: Docusaurus takes ``08-19-2026`` (This Week
In React writes its dates so), Jekyll writes ``2026-08-19 07:00:00 +0900``, feeds RFC 2822,
Japanese and Korean sites ``2026年8月19日``. A date the front matter gives in a form nobody
can read, or ambiguously, falls back to the file or folder name before the file is refused.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.errors import ConfigError, ContentError
from core.model import NoteKind
from core.parsing import parse_issue
from core.parsing.dates import DateProblem, read_when
from core.profile import Profile, parse_profile

TOKYO = ZoneInfo("Asia/Tokyo")
JST = timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-08-19", date(2026, 8, 19)),
        ("2026/08/19", date(2026, 8, 19)),
        ("2026/8/9", date(2026, 8, 9)),
        ("2026.08.19", date(2026, 8, 19)),
        ("20260819", date(2026, 8, 19)),
        ("2026-08-19T07:30:00+09:00", datetime(2026, 8, 19, 7, 30, tzinfo=TOKYO)),
        ("2026-08-18T22:30:00Z", datetime(2026, 8, 19, 7, 30, tzinfo=TOKYO)),
        ("2026-08-19 07:30:00 +0900", datetime(2026, 8, 19, 7, 30, tzinfo=TOKYO)),
        ("2026-08-19 07:30", datetime(2026, 8, 19, 7, 30)),
        ("Wed, 19 Aug 2026 07:30:00 +0900", datetime(2026, 8, 19, 7, 30, tzinfo=TOKYO)),
        ("August 19, 2026", date(2026, 8, 19)),
        ("Aug. 19 2026", date(2026, 8, 19)),
        ("Wednesday, August 19th, 2026", date(2026, 8, 19)),
        ("19 Aug 2026", date(2026, 8, 19)),
        ("19 August, 2026", date(2026, 8, 19)),
        ("2026年8月19日", date(2026, 8, 19)),
        ("2026年08月19日(水)", date(2026, 8, 19)),
        ("2026年8月19日 7:30", datetime(2026, 8, 19, 7, 30)),
        ("2026년 8월 19일", date(2026, 8, 19)),
        ("08-19-2026", date(2026, 8, 19)),  # only one reading is a date: MM-DD-YYYY
        ("19-08-2026", date(2026, 8, 19)),  # DD-MM-YYYY
        ("19/08/2026", date(2026, 8, 19)),
        ("08.08.2026", date(2026, 8, 8)),  # both readings agree
        (20260819, date(2026, 8, 19)),  # YAML reads an unquoted 20260819 as a number
    ],
)
def test_the_forms_publishers_use_are_read(text: str | int, expected: date) -> None:
    found = read_when(text, zone=TOKYO)
    assert found == expected
    assert type(found) is type(expected)


def test_an_ambiguous_day_and_month_is_settled_by_the_file_name_or_the_profile() -> None:
    with pytest.raises(DateProblem, match="could be August 7 or July 8"):
        read_when("08-07-2026", zone=TOKYO)
    assert read_when("08-07-2026", zone=TOKYO, near=date(2026, 7, 8)) == date(2026, 7, 8)
    assert read_when("08-07-2026", zone=TOKYO, date_format="%d-%m-%Y") == date(2026, 7, 8)
    assert read_when("08-07-2026", zone=TOKYO, date_format="%m-%d-%Y") == date(2026, 8, 7)


def test_the_profile_takes_date_format_as_tokens_or_strptime() -> None:
    profile = parse_profile({"name": "n", "date_format": "MM-DD-YYYY"})
    assert profile.date_format == "%m-%d-%Y"
    assert parse_profile({"name": "n", "date_format": "%d/%m/%Y"}).date_format == "%d/%m/%Y"
    with pytest.raises(ConfigError, match="must name a year, a month and a day"):
        parse_profile({"name": "n", "date_format": "YYYY"})


def test_a_docusaurus_date_no_longer_stops_the_issue() -> None:
    issue = parse_issue(
        b"---\ntitle: This Week\ndate: 08-19-2026\n---\n\n## News\n\nText.\n",
        name="newsletter/294/index.md",
        profile=Profile.default(),
    )
    assert issue.date == date(2026, 8, 19)
    assert not issue.notes


def test_an_unreadable_date_falls_back_to_the_file_name_with_a_note() -> None:
    issue = parse_issue(
        b"---\ntitle: x\ndate: next tuesday\n---\n\n## News\n\nText.\n",
        name="blog/2022-01-24-docusaurus-2021-recap/index.md",
        profile=Profile.default(),
    )
    assert issue.date == date(2022, 1, 24)
    [note] = issue.notes
    assert note.kind is NoteKind.WARNING and note.line == 3
    assert "'next tuesday'" in note.message and "2022-01-24" in note.message


def test_an_unreadable_date_without_a_dated_name_is_refused_saying_how_to_fix_it() -> None:
    with pytest.raises(ContentError) as caught:
        parse_issue(
            b"---\ndate: 08-07-2026\n---\n\n## News\n\nText.\n",
            name="newsletter/300/index.md",
            profile=Profile.default(),
        )
    assert caught.value.line == 2
    assert "could be August 7 or July 8" in str(caught.value)
    assert "date_format" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("website/blog/2022-01-24-docusaurus-2021-recap/index.mdx", date(2022, 1, 24)),
        ("website/blog/2017/12-14-introducing-docusaurus.mdx", date(2017, 12, 14)),
        ("content/articles/2026/07/19/index.md", date(2026, 7, 19)),
        ("_posts/ja/newsletters/2026-08-21-newsletter.md", date(2026, 8, 21)),
        ("issues/20260819.md", date(2026, 8, 19)),
        ("issues/2026_08_19.md", date(2026, 8, 19)),
        ("newsletter/294/index.mdx", None),
    ],
)
def test_dates_in_folder_and_file_names(name: str, expected: date | None) -> None:
    issue = parse_issue(b"## News\n\nText.\n", name=name, profile=Profile.default())
    assert issue.date == expected


def test_publish_at_in_a_feed_style_date_is_moved_into_the_newsletters_zone() -> None:
    profile = parse_profile({"name": "n", "timezone": "Asia/Tokyo"})
    issue = parse_issue(
        b"---\npublish_at: Tue, 18 Aug 2026 22:30:00 GMT\n---\n\n## News\n\nText.\n",
        name="2026-08-19.md",
        profile=profile,
    )
    assert issue.publish_at == datetime(2026, 8, 19, 7, 30, tzinfo=JST)
