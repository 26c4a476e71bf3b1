"""What people type, in English and Japanese, and what the engine understands."""

from __future__ import annotations

from datetime import date

import pytest

from core.commands.grammar import Kind, understand
from core.profile import Profile


@pytest.mark.parametrize(
    ("text", "kind", "section", "number", "day"),
    [
        ("latest", Kind.DIGEST, None, None, None),
        ("最新", Kind.DIGEST, None, None, None),
        ("latest topic", Kind.SECTION, "topic", None, None),
        ("最新トピック", Kind.SECTION, "topic", None, None),
        ("トピック", Kind.SECTION, "topic", None, None),
        ("編集後記", Kind.SECTION, "afterword", None, None),
        ("小ネタ", Kind.SECTION, "shorts", None, None),
        ("quick bites", Kind.SECTION, "shorts", None, None),
        ("editor's note", Kind.SECTION, "afterword", None, None),
        ("issue 1 articles", Kind.SECTION, "articles", 1, None),
        ("第1号 気になった記事", Kind.SECTION, "articles", 1, None),
        ("#12 reads", Kind.SECTION, "articles", 12, None),
        ("2025-10-04 topic", Kind.SECTION, "topic", None, date(2025, 10, 4)),
        ("2025年10月4日の編集後記", Kind.SECTION, "afterword", None, date(2025, 10, 4)),
        ("issue 3", Kind.DIGEST, None, 3, None),
        ("ＬＡＴＥＳＴ　ＴＯＰＩＣ", Kind.SECTION, "topic", None, None),
        ("Latest Topic!", Kind.SECTION, "topic", None, None),
        ("最新号の編集後記を見せて", Kind.SECTION, "afterword", None, None),
        ("show me the afterword", Kind.SECTION, "afterword", None, None),
        ("list", Kind.LIST, None, None, None),
        ("バックナンバー", Kind.LIST, None, None, None),
        ("help", Kind.HELP, None, None, None),
        ("ヘルプ", Kind.HELP, None, None, None),
        ("/help", Kind.HELP, None, None, None),
        ("", Kind.HELP, None, None, None),
        ("next", Kind.NEXT, None, None, None),
        ("続きを読む", Kind.NEXT, None, None, None),
        ("unsubscribe", Kind.UNSUBSCRIBE, None, None, None),
        ("配信停止", Kind.UNSUBSCRIBE, None, None, None),
        ("settings", Kind.SETTINGS, None, None, None),
        ("設定", Kind.SETTINGS, None, None, None),
    ],
)
def test_commands_in_both_languages(
    profile: Profile,
    text: str,
    kind: Kind,
    section: str | None,
    number: int | None,
    day: date | None,
) -> None:
    intent = understand(text, profile)
    assert (intent.kind, intent.section, intent.number, intent.day) == (kind, section, number, day)


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("search CoreWeave", "CoreWeave"),
        ("検索 薬価", "薬価"),
        ("検索：関税", "関税"),
        ("薬価を検索", "薬価"),
        ("find quick bites", "quick bites"),
    ],
)
def test_search_keeps_the_query_as_typed(profile: Profile, text: str, query: str) -> None:
    intent = understand(text, profile)
    assert intent.kind is Kind.SEARCH
    assert intent.query == query


def test_language_follows_what_was_typed(profile: Profile) -> None:
    assert understand("最新トピック", profile).language == "ja"
    assert understand("latest topic", profile).language == "en"


def test_button_commands_page(profile: Profile) -> None:
    intent = understand("issue 1 topic p4", profile)
    assert (intent.kind, intent.number, intent.section, intent.start) == (
        Kind.SECTION,
        1,
        "topic",
        4,
    )


def test_subscription_choices(profile: Profile) -> None:
    intent = understand("subscribe topic articles mon 09:00", profile)
    assert intent.kind is Kind.SUBSCRIBE
    assert intent.sections == ("topic", "articles")
    assert intent.slot == "mon 09:00"
    ja = understand("購読 トピック 編集後記 土 9:00", profile)
    assert (ja.sections, ja.slot, ja.language) == (("topic", "afterword"), "土 9:00", "ja")
    assert understand("subscribe", profile).sections == ()
    assert understand("subscribe nonsense", profile).leftover == "nonsense"


@pytest.mark.parametrize("text", ["hello world", "topik", "2025-13-45 topic", "x" * 10_000])
def test_unknown_input_is_unknown_not_an_error(profile: Profile, text: str) -> None:
    assert understand(text, profile).kind is Kind.UNKNOWN


@pytest.mark.parametrize(
    ("text", "kind", "section", "back"),
    [
        ("先週の記事", Kind.SECTION, "articles", 1),
        ("今週の小ネタ", Kind.SECTION, "shorts", 0),
        ("前号", Kind.DIGEST, None, 1),
        ("先週号", Kind.DIGEST, None, 1),
        ("前号の編集後記", Kind.SECTION, "afterword", 1),
        ("前々号", Kind.DIGEST, None, 2),
        ("last week's topic", Kind.SECTION, "topic", 1),
        ("Last week’s topic?", Kind.SECTION, "topic", 1),
        ("previous issue", Kind.DIGEST, None, 1),
        ("previous issue's shorts", Kind.SECTION, "shorts", 1),
        ("this week's afterword", Kind.SECTION, "afterword", 0),
        ("this week's shorts", Kind.SECTION, "shorts", 0),
        ("last issue", Kind.DIGEST, None, 0),  # the last one out: the latest
        ("latest issue", Kind.DIGEST, None, 0),
    ],
)
def test_issues_named_relative_to_the_latest(
    profile: Profile, text: str, kind: Kind, section: str | None, back: int
) -> None:
    intent = understand(text, profile)
    assert (intent.kind, intent.section, intent.back, intent.number) == (kind, section, back, None)


@pytest.mark.parametrize(
    ("text", "number", "back", "title"),
    [
        ("お知らせ", None, 0, "お知らせ"),
        ("issue 4 お知らせ", 4, 0, "お知らせ"),
        ("issue 4 お知らせ p2", 4, 0, "お知らせp2"),
        ("第4号のお知らせ", 4, 0, "お知らせ"),
        ("latest what-s-new", None, 0, "what-s-new"),
        ("前号のお知らせ", None, 1, "お知らせ"),
    ],
)
def test_a_heading_the_profile_does_not_know_is_kept_for_the_engine(
    profile: Profile, text: str, number: int | None, back: int, title: str
) -> None:
    intent = understand(text, profile)
    assert intent.kind is Kind.UNKNOWN  # unless the issue has such a section
    assert (intent.number, intent.back, intent.title) == (number, back, title)
