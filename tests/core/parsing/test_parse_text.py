"""The plain-text heuristics, each with the counter-examples that must not trigger it."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ContentError
from core.model import BlockKind, Issue, NoteKind, Span
from core.parsing import parse_issue
from core.profile import Profile


def txt(text: str, profile: Profile) -> Issue:
    return parse_issue(text.encode(), name="2025-10-11.txt", profile=profile)


def kinds(issue: Issue, section: int = 0, item: int = 0) -> list[tuple[BlockKind, str]]:
    return [(b.kind, b.text) for b in issue.sections[section].items[item].blocks]


LONG = "これは十分に長い本文の段落で、見出しの下に続く説明として読まれるはずの文章です。"
P, S, B = BlockKind.PARAGRAPH, BlockKind.SUBHEADING, BlockKind.BULLET


@pytest.mark.parametrize(
    "line",
    ["CoreWeaveとは?", "なぜ今、需要が集中?", "日本への示唆", "まとめ", "Why now?", "**注目点**"],
)
def test_short_line_before_body_is_a_sub_heading(line: str, profile: Profile) -> None:
    issue = txt(f"トピック\n🚀 見出し\n{LONG}\n{line}\n{LONG}\n", profile)
    assert kinds(issue)[1] == (S, line.replace("**", ""))


@pytest.mark.parametrize(
    ("lines", "why"),
    [
        (["短い段落です。", LONG], "ends in 。"),
        (["ポイントは以下の通り:", LONG], "ends in a colon"),
        (["ポイントは以下の通り：", LONG], "ends in a full-width colon"),
        (["すごい!", LONG], "an exclamation"),
        (["「これで決まり。」", LONG], "a quoted sentence"),
        (["以上です", "また来週"], "short line before another short line"),
        (["今週もお疲れさまでした", "来週もよろしく。"], "the next line is not clearly longer"),
        (["詳しくはこちら https://example.com/a", LONG], "holds a URL"),
        ([LONG[:30], LONG], "too long to be a title"),
    ],
)
def test_lines_that_are_not_sub_headings(lines: list[str], why: str, profile: Profile) -> None:
    issue = txt("トピック\n🚀 見出し\n" + "\n".join(lines) + "\n", profile)
    assert kinds(issue)[0][0] is P, why


def test_short_line_ending_an_item_is_a_paragraph(profile: Profile) -> None:
    issue = txt(f"小ネタ2本\n🎬 一本目\n{LONG}\n続報を待ちます\n📚 二本目\n{LONG}\n", profile)
    assert kinds(issue, 0, 0) == [(P, LONG), (P, "続報を待ちます")]
    assert [i.title for i in issue.sections[0].items] == ["🎬 一本目", "📚 二本目"]


def test_short_last_line_of_the_afterword_is_a_paragraph(profile: Profile) -> None:
    issue = txt(f"編集後記\n{LONG}\nそれではまた来週\n", profile)
    assert kinds(issue) == [(P, LONG), (P, "それではまた来週")]


@pytest.mark.parametrize(
    "headline",
    [
        "🚀 ロケット",
        "👨‍👩‍👧 家族の話題",  # ZWJ sequence
        "🇯🇵 日本の話題",  # flag
        "1️⃣ 一つ目",  # keycap
        "☀️ 晴れの話題",  # text-default pictograph with VS16
        "🚀ロケット(空白なし)",
        "■ メルマガ式の見出し",
    ],
)
def test_emoji_led_lines_are_headlines(headline: str, profile: Profile) -> None:
    issue = txt(f"気になった記事\n{headline}\n{LONG}\n", profile)
    assert [i.title for i in issue.sections[0].items] == [headline]


@pytest.mark.parametrize(
    "line",
    [
        "👉 詳しくは https://example.com/x",  # a pointer to a link
        "🙏 ご意見をお待ちしています。",  # a sentence
        "© 2025 週刊ビジネスレター",  # a text-style symbol, not an emoji
        "→ 次のページへ",
    ],
)
def test_lines_that_are_not_headlines(line: str, profile: Profile) -> None:
    issue = txt(f"気になった記事\n🚀 本当の見出し\n{LONG}\n{line}\n", profile)
    assert len(issue.sections[0].items) == 1
    assert kinds(issue)[-1] == (P, line)


def test_emoji_lines_in_the_afterword_stay_paragraphs(profile: Profile) -> None:
    issue = txt(f"編集後記\n{LONG}\n🍵 お茶でも飲みながら読んでください\n", profile)
    (item,) = issue.sections[0].items
    assert item.headline is None
    assert kinds(issue) == [(P, LONG), (P, "🍵 お茶でも飲みながら読んでください")]


def test_bullet_forms(profile: Profile) -> None:
    issue = txt(
        "トピック\n🚀 見出し\n-\n一つ目\n-\n\n二つ目(空行を挟んで)\n- 三つ目\n・四つ目\n"
        "1.\n番号付き\n2)\n二番\n3. 三番\n-\n",
        profile,
    )
    got = [(b.kind, b.text, b.ordinal) for b in issue.sections[0].items[0].blocks]
    assert got == [
        (B, "一つ目", None),
        (B, "二つ目(空行を挟んで)", None),
        (B, "三つ目", None),
        (B, "四つ目", None),
        (B, "番号付き", 1),
        (B, "二番", 2),
        (B, "三番", 3),
    ]


def test_separator_lines_are_dropped(profile: Profile) -> None:
    issue = txt(f"トピック\n🚀 見出し\n{LONG}\n──────\n=====\n{LONG}\n", profile)
    assert kinds(issue) == [(P, LONG), (P, LONG)]


def test_bare_urls_become_links(profile: Profile) -> None:
    issue = txt(
        "トピック\n🚀 見出し\n詳細はhttps://example.com/a?b=1(英語)を参照。\n"
        "(出典: https://example.org/x).\n",
        profile,
    )
    first, second = (b.spans for b in issue.sections[0].items[0].blocks)
    assert Span("https://example.com/a?b=1", href="https://example.com/a?b=1") in first
    assert first[-1] == Span("(英語)を参照。")
    assert Span("https://example.org/x", href="https://example.org/x") in second
    assert second[-1] == Span(").")


def test_unpaired_bold_marker_stays_as_text(profile: Profile) -> None:
    issue = txt("トピック\n🚀 見出し\n**太字**と閉じない**マーカー\n", profile)
    assert issue.sections[0].items[0].blocks[0].spans == (
        Span("太字", bold=True),
        Span("と閉じない**マーカー"),
    )


def test_decorated_section_titles(profile: Profile) -> None:
    issue = txt(f"■ トピック\n🚀 A\n{LONG}\n【編集後記】\n{LONG}\n", profile)
    assert [(s.key, s.title) for s in issue.sections] == [
        ("topic", "■ トピック"),
        ("afterword", "【編集後記】"),
    ]


def test_text_before_the_first_section_is_the_intro(profile: Profile) -> None:
    issue = txt(f"週刊ビジネスレター 10月11日号\nトピック\n🚀 A\n{LONG}\n", profile)
    assert [(s.key, s.title) for s in issue.sections] == [("intro", "Intro"), ("topic", "トピック")]
    assert kinds(issue) == [(P, "週刊ビジネスレター 10月11日号")]


def test_no_structure_is_one_section_with_a_warning(profile: Profile) -> None:
    issue = txt(f"{LONG}\n\n{LONG}\nおわり\n", profile)
    assert [(s.key, len(s.items)) for s in issue.sections] == [("body", 1)]
    assert len(issue.sections[0].items[0].blocks) == 3
    (warning,) = issue.notes
    assert warning.kind is NoteKind.WARNING
    assert "no headings" in warning.message


def test_same_shape_without_a_profile_gets_sections_by_slug() -> None:
    issue = txt(f"今週の話題\n🚀 一つ目\n{LONG}\n小ネタ\n🎬 二つ目\n{LONG}\n", Profile.default())
    assert [(s.key, [i.title for i in s.items]) for s in issue.sections] == [
        ("今週の話題", ["🚀 一つ目"]),
        ("小ネタ", ["🎬 二つ目"]),
    ]


def test_repeated_section_gets_a_distinct_key(profile: Profile) -> None:
    issue = txt(f"トピック\n🚀 A\n{LONG}\nトピック\n🚀 B\n{LONG}\n", profile)
    assert [s.key for s in issue.sections] == ["topic", "topic-2"]
    (note,) = issue.notes
    assert (note.kind, note.line) == (NoteKind.WARNING, 4)
    assert "topic-2" in note.message


def test_several_trailing_boilerplate_lines(profile: Profile) -> None:
    issue = txt(f"編集後記\n{LONG}\nコメント\n\nコメント\n", profile)
    assert kinds(issue) == [(P, LONG)]
    assert [(n.kind, n.line) for n in issue.notes] == [
        (NoteKind.DROPPED, 3),
        (NoteKind.DROPPED, 5),
    ]


def test_boilerplate_word_mid_text_is_kept(profile: Profile) -> None:
    issue = txt(f"トピック\n🚀 A\nコメント\n{LONG}\n", profile)
    assert [text for _, text in kinds(issue)] == ["コメント", LONG]
    assert not issue.notes


RULE = re.compile(r"^([-*・])\1{2,}$")
BULLET_PREFIX = re.compile(r"^(?:[-*]\s+|・\s*|\d{1,2}[.)]\s+)(?=\S)")
LINES = st.one_of(
    st.sampled_from(
        ["トピック", "編集後記", "小ネタ3本", "-", "・", "1.", "", "  ", "まとめ", "**", "コメント"]
    ),
    st.sampled_from(["🚀", "👨‍👩‍👧", "🇯🇵", "■"]).map(lambda e: e + " 見出しのテキスト"),
    st.lists(
        st.sampled_from([*"あいう漢字ABC abc。、:?!*-・()「」", "https://x.jp/a", "🚀"]),
        min_size=1,
        max_size=40,
    ).map("".join),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINES, min_size=1, max_size=30))
def test_generated_text_never_crashes_and_loses_no_line(lines: list[str], profile: Profile) -> None:
    source = "本文\n" + "\n".join(lines)
    try:
        issue = txt(source, profile)
    except ContentError:
        pytest.fail("a file with text must parse")
    kept = (issue.title or "") + "".join(
        part
        for section in issue.sections
        for part in (
            section.title.replace("**", ""),
            *(
                text.replace("**", "")
                for item in section.items
                for text in (item.title or "", *(b.text for b in item.blocks))
            ),
        )
    )
    kept = "".join(kept.split())
    dropped = {n.line for n in issue.notes if n.kind is NoteKind.DROPPED}
    position = 0
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if number in dropped or stripped in ("", "-", "*", "・", "1.") or RULE.match(stripped):
            continue  # blank, a bullet marker, a separator: markup, not text
        if BULLET_PREFIX.match(stripped):
            stripped = BULLET_PREFIX.sub("", stripped, count=1)
        content = "".join(stripped.replace("**", "").split())
        found = kept.find(content, position)
        assert found >= 0, f"line {number} {line!r} lost"
        position = found + len(content)
