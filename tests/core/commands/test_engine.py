"""The command engine answering from a library of parsed issues."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from core.clock import FixedClock
from core.commands import CommandEngine, InMemoryConversations
from core.errors import SearchQueryError
from core.library import InMemoryLibrary, SearchHit
from core.model import Block, BlockKind, Issue, Item, Section, Span
from core.profile import Profile
from core.splitting import Limits

LIMITS = Limits(platform="test", max_size=400, target_chars=300)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _para(text: str) -> Block:
    return Block(BlockKind.PARAGRAPH, (Span(text),))


def _issue(number: int, day: date, topic_paragraphs: int = 1) -> Issue:
    topic = Item(
        headline=(Span("🚀 CoreWeave、Metaとの巨額契約で株価急騰"),),
        blocks=tuple(
            _para(f"第{n}段落。AIインフラの“新星”CoreWeaveが契約を発表しました。" * 4)
            for n in range(topic_paragraphs)
        ),
    )
    return Issue(
        number=number,
        date=day,
        title=f"Issue {number}",
        sections=(
            Section("topic", "トピック", (topic,)),
            Section(
                "articles",
                "気になった記事",
                (Item((Span("💊 薬価と関税"),), (_para("薬価の話。"),)),),
            ),
            Section("afterword", "編集後記", (Item(None, (_para("今週は以上です。"),)),)),
        ),
    )


@pytest.fixture
def engine(profile: Profile) -> CommandEngine:
    library = InMemoryLibrary([_issue(1, date(2025, 9, 27)), _issue(2, date(2025, 10, 4), 6)])
    return CommandEngine(library, profile, FixedClock(NOW), InMemoryConversations())


async def _ask(engine: CommandEngine, text: str, **kw: object) -> object:
    return await engine.answer(text, platform="test", limits=LIMITS, **kw)  # type: ignore[arg-type]


async def test_latest_topic_answers_with_the_topic_of_the_newest_issue(
    engine: CommandEngine,
) -> None:
    for text in ("latest topic", "最新トピック", "トピック"):
        reply = await engine.answer(text, platform="test", limits=LIMITS)
        assert reply.intent == "section"
        assert reply.posts[0].issue.number == 2
        assert reply.posts[0].headline is not None
        assert "CoreWeave" in reply.posts[0].text


async def test_a_given_issue_by_number_and_date(engine: CommandEngine) -> None:
    by_number = await engine.answer("issue 1 articles", platform="test", limits=LIMITS)
    by_date = await engine.answer("2025-09-27 気になった記事", platform="test", limits=LIMITS)
    assert by_number.posts == by_date.posts
    assert by_number.posts[0].issue.number == 1


async def test_long_answers_page_and_next_continues(engine: CommandEngine) -> None:
    first = await engine.answer(
        "最新トピック", platform="test", limits=LIMITS, conversation="u1", page_size=2
    )
    assert len(first.posts) == 2 and first.more is not None
    total = int(first.args["total"])
    seen = list(first.posts)
    reply = first
    while reply.more is not None:
        reply = await engine.answer(
            "続き", platform="test", limits=LIMITS, conversation="u1", page_size=2
        )
        seen += reply.posts
    assert len(seen) == total
    assert [(p.item, p.part) for p in seen] == sorted((p.item, p.part) for p in seen)
    # The button's own command works without any conversation state.
    pressed = await engine.answer(first.more.command, platform="test", limits=LIMITS, page_size=2)
    assert pressed.posts[0] == seen[2]
    after = await engine.answer("next", platform="test", limits=LIMITS, conversation="u1")
    assert after.intent == "next" and after.message and not after.posts


async def test_digest_overview_and_section_buttons(engine: CommandEngine) -> None:
    reply = await engine.answer("最新", platform="test", limits=LIMITS)
    assert reply.intent == "digest" and reply.overview is not None
    assert [s.key for s in reply.overview.sections] == ["topic", "articles", "afterword"]
    assert [s.command for s in reply.suggestions] == [
        "issue 2 topic",
        "issue 2 articles",
        "issue 2 afterword",
    ]
    assert all(len(s.label) <= 20 for s in reply.suggestions)


async def test_missing_issue_and_section_are_said_plainly(engine: CommandEngine) -> None:
    missing = await engine.answer("issue 42 topic", platform="test", limits=LIMITS)
    assert missing.intent == "not_found" and "42" in (missing.message or "")
    no_shorts = await engine.answer("最新の小ネタ", platform="test", limits=LIMITS)
    assert no_shorts.intent == "not_found"
    assert "トピック" in (no_shorts.message or "")


async def test_search_and_list(engine: CommandEngine) -> None:
    hits = await engine.answer("検索 薬価", platform="test", limits=LIMITS)
    assert hits.intent == "search" and "薬価" in (hits.message or "")
    assert hits.suggestions[0].command == "issue 2 articles"
    assert hits.marks == ("薬価",)
    # One result a paragraph, after the heading.
    head, *results = (hits.message or "").split("\n\n")
    assert head.startswith("「薬価」の検索結果") and results
    assert all("\n" not in result and result.startswith("第") for result in results)
    nothing = await engine.answer("search zzzz", platform="test", limits=LIMITS)
    assert "zzzz" in (nothing.message or "")
    listing = await engine.answer("バックナンバー", platform="test", limits=LIMITS)
    assert listing.message and listing.message.index("2") < listing.message.index("1")


class RefusingLibrary(InMemoryLibrary):
    """A library whose database can't run the search as typed (an FTS syntax error)."""

    async def search(self, query: str, *, limit: int = 10) -> Sequence[SearchHit]:
        raise SearchQueryError(f"fts5: syntax error near {query!r}")


async def test_a_search_the_database_refuses_is_answered_not_apologised_for(
    profile: Profile,
) -> None:
    engine = CommandEngine(
        RefusingLibrary([_issue(1, date(2025, 9, 27))]), profile, FixedClock(NOW)
    )
    ja = await engine.answer("検索 AND(", platform="test", limits=LIMITS)
    assert (ja.intent, ja.message) == (
        "search",
        "「AND(」では検索できませんでした。別の言葉でお試しください。",
    )
    assert ja.suggestions  # where to go from here
    en = await engine.answer("search NEAR(", platform="test", limits=LIMITS)
    assert en.message == "Couldn't search for 'NEAR('. Try other words."


async def test_unknown_input_gets_help_with_the_nearest_commands(engine: CommandEngine) -> None:
    reply = await engine.answer("latest topik", platform="test", limits=LIMITS)
    assert reply.intent == "unknown"
    assert "latest topic" in [s.command for s in reply.suggestions]
    ja = await engine.answer("最新トピッ", platform="test", limits=LIMITS)
    assert ja.intent == "unknown" and "最新トピック" in (ja.message or "")


async def test_subscribe_intent_carries_choices(engine: CommandEngine) -> None:
    reply = await engine.answer("subscribe topic mon 09:00", platform="test", limits=LIMITS)
    assert reply.intent == "subscribe"
    assert reply.args == {"sections": "topic", "slot": "mon 09:00", "cadence": "weekly"}


async def test_a_correction_is_not_hidden_by_the_post_cache(profile: Profile) -> None:
    original = _issue(1, date(2025, 10, 4))
    library = InMemoryLibrary([original])
    engine = CommandEngine(library, profile, FixedClock(NOW))
    before = await engine.answer("latest topic", platform="test", limits=LIMITS)
    corrected = replace(
        original,
        sections=(
            replace(
                original.sections[0],
                items=(Item(original.sections[0].items[0].headline, (_para("訂正版。"),)),),
            ),
            *original.sections[1:],
        ),
    )
    library._records[0] = replace(library._records[0], issue=corrected, revision=2)
    after = await engine.answer("latest topic", platform="test", limits=LIMITS)
    assert "訂正版" in after.posts[0].text and before.posts != after.posts


async def test_the_same_question_gets_the_same_answer_drawn_once_until_a_correction(
    profile: Profile,
) -> None:
    first = InMemoryLibrary([_issue(2, date(2025, 10, 4), 6)])
    engine = CommandEngine(first, profile, FixedClock(NOW), InMemoryConversations())
    one = await engine.answer("最新トピック", platform="test", limits=LIMITS, conversation="a")
    two = await engine.answer("最新トピック", platform="test", limits=LIMITS, conversation="b")
    assert one is two  # renderers and senders key their caches on this object

    corrected = _issue(2, date(2025, 10, 4), 2)
    engine.library = InMemoryLibrary([corrected])
    record = await engine.library.latest(NOW)
    assert record is not None
    engine.library._records[-1] = replace(record, revision=2)
    three = await engine.answer("最新トピック", platform="test", limits=LIMITS, conversation="c")
    assert three is not one and len(three.posts) < len(one.posts)


@pytest.mark.parametrize(
    ("text", "intent", "issue", "section"),
    [
        ("前号", "digest", "1", None),
        ("先週号", "digest", "1", None),
        ("previous issue", "digest", "1", None),
        ("last issue", "digest", "2", None),
        ("先週の記事", "section", "1", "articles"),
        ("last week's topic", "section", "1", "topic"),
        ("今週のトピック", "section", "2", "topic"),
        ("this week's afterword", "section", "2", "afterword"),
    ],
)
async def test_issues_named_relative_to_the_latest_are_answered(
    engine: CommandEngine, text: str, intent: str, issue: str, section: str | None
) -> None:
    reply = await engine.answer(text, platform="test", limits=LIMITS)
    assert reply.intent == intent
    assert reply.args["issue"] == issue
    assert reply.args.get("section") == section


async def test_an_issue_before_the_first_is_said_not_to_exist(profile: Profile) -> None:
    library = InMemoryLibrary([_issue(1, date(2025, 9, 27))])
    engine = CommandEngine(library, profile, FixedClock(NOW), InMemoryConversations())
    ja = await engine.answer("前号", platform="test", limits=LIMITS)
    assert (ja.intent, ja.message) == ("not_found", "1号前の号はまだありません。")
    en = await engine.answer("last week's topic", platform="test", limits=LIMITS)
    assert en.message == "There is no issue 1 before the latest yet."


async def test_a_section_the_profile_does_not_know_is_found_by_its_title_and_key(
    profile: Profile,
) -> None:
    news = Section(
        "お知らせ", "お知らせ", (Item(None, tuple(_para(f"告知{n}。" * 30) for n in range(8))),)
    )
    whats_new = Section("what-s-new", "What's New", (Item(None, (_para("New things."),)),))
    issue = replace(_issue(4, date(2025, 10, 11)), sections=(news, whats_new))
    engine = CommandEngine(
        InMemoryLibrary([issue]), profile, FixedClock(NOW), InMemoryConversations()
    )
    for text in ("issue 4 お知らせ", "お知らせ", "第4号のお知らせ", "最新 お知らせ"):
        reply = await engine.answer(text, platform="test", limits=LIMITS, page_size=2)
        assert (reply.intent, reply.args.get("section")) == ("section", "お知らせ"), text
    assert reply.more is not None  # a long section pages, and its button is understood
    more = await engine.answer(reply.more.command, platform="test", limits=LIMITS)
    assert (more.intent, more.args["section"], more.args["first"]) == ("section", "お知らせ", "3")
    for text in ("issue 4 what-s-new", "What's New", "latest what's new"):
        reply = await engine.answer(text, platform="test", limits=LIMITS)
        assert reply.args.get("section") == "what-s-new", text
    nonsense = await engine.answer("issue 4 hello", platform="test", limits=LIMITS)
    assert nonsense.intent == "unknown"
