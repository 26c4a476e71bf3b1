"""Issue ↔ JSON document: a lossless round trip."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.model import Block, BlockKind, Issue, Item, NoteKind, ParseNote, Section, Span
from core.serialize import content_hash, issue_from_dict, issue_to_dict
from tests.core.storage.helpers import sample_issue

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)  # type: ignore[arg-type]
spans = st.builds(
    Span,
    text=texts,
    bold=st.booleans(),
    italic=st.booleans(),
    code=st.booleans(),
    href=st.none() | st.just("https://example.com/a?b=c#d") | texts,
)
span_runs = st.lists(spans, max_size=4).map(tuple)
blocks = st.builds(
    Block,
    kind=st.sampled_from(BlockKind),
    spans=span_runs,
    depth=st.integers(0, 5),
    ordinal=st.none() | st.integers(0, 1000),
)
items = st.builds(
    Item, headline=st.none() | span_runs, blocks=st.lists(blocks, max_size=4).map(tuple)
)
sections = st.builds(Section, key=texts, title=texts, items=st.lists(items, max_size=3).map(tuple))
zones = st.sampled_from(
    [UTC, ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/Berlin"), timezone(timedelta(hours=-3))]
)
moments = st.none() | st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=zones
)
notes = st.builds(
    ParseNote, kind=st.sampled_from(NoteKind), message=texts, line=st.none() | st.integers(1)
)
issues = st.builds(
    Issue,
    sections=st.lists(sections, max_size=4).map(tuple),
    number=st.none() | st.integers(1, 10**6),
    title=st.none() | texts,
    date=st.none() | st.dates(min_value=date(1990, 1, 1)),
    publish_at=moments,
    notes=st.lists(notes, max_size=3).map(tuple),
)


@given(issues)
def test_round_trip_through_json_gives_the_same_issue(issue: Issue) -> None:
    document = json.loads(json.dumps(issue_to_dict(issue), ensure_ascii=False))
    back = issue_from_dict(document)
    assert back == issue
    if issue.publish_at is not None:
        assert back.publish_at is not None
        # Same wall clock, fold and offset; a named zone keeps its name.
        assert back.publish_at.replace(tzinfo=None) == issue.publish_at.replace(tzinfo=None)
        assert back.publish_at.fold == issue.publish_at.fold
        assert back.publish_at.utcoffset() == issue.publish_at.utcoffset()
        if isinstance(issue.publish_at.tzinfo, ZoneInfo):
            assert back.publish_at.tzinfo == issue.publish_at.tzinfo


@given(issues)
def test_the_content_hash_ignores_parser_notes_but_nothing_readers_see(issue: Issue) -> None:
    quiet = Issue(
        sections=issue.sections,
        number=issue.number,
        title=issue.title,
        date=issue.date,
        publish_at=issue.publish_at,
    )
    assert content_hash(quiet) == content_hash(issue)
    retitled = Issue(sections=issue.sections, title=(issue.title or "") + "!", date=issue.date)
    assert content_hash(retitled) != content_hash(
        Issue(sections=issue.sections, title=issue.title or "", date=issue.date)
    )


def test_the_document_is_small_and_readable() -> None:
    document = issue_to_dict(sample_issue(number=3))
    assert document["v"] == 1 and document["number"] == 3 and document["date"] == "2025-10-04"
    span = document["sections"][0]["items"][0]["headline"][0]
    assert span == {"text": "🚀 CoreWeave、Metaとの巨額契約で株価急騰"}, "defaults are left out"


def test_an_unknown_document_version_is_refused() -> None:
    document = issue_to_dict(sample_issue())
    document["v"] = 99
    with pytest.raises(ValueError, match="99"):
        issue_from_dict(document)


@pytest.mark.parametrize(
    "wall",
    [
        datetime(2025, 10, 26, 2, 30, fold=0),  # Berlin: the first 02:30 of the repeated hour
        datetime(2025, 10, 26, 2, 30, fold=1),  # ... and the second one
        datetime(2025, 3, 30, 2, 30),  # skipped by the spring-forward gap
    ],
)
def test_daylight_saving_edge_times_keep_wall_clock_fold_and_instant(wall: datetime) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    issue = sample_issue()
    issue = Issue(sections=issue.sections, publish_at=wall.replace(tzinfo=berlin))
    back = issue_from_dict(json.loads(json.dumps(issue_to_dict(issue))))
    assert back.publish_at is not None and issue.publish_at is not None
    assert back.publish_at.replace(tzinfo=None) == wall
    assert back.publish_at.fold == wall.fold
    assert back.publish_at.utcoffset() == issue.publish_at.utcoffset()
