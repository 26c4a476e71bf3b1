"""Markdown issues: the sample written in Markdown, and each construct a newsletter uses."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.model import BlockKind, Issue, NoteKind, Span
from core.parsing import load_issue, parse_issue
from core.profile import Profile
from tests.core.parsing.losscheck import assert_nothing_lost

FIXTURES = Path(__file__).parent / "fixtures"
JST = timezone(timedelta(hours=9))


def md(text: str, profile: Profile | None = None, name: str = "2026-01-05.md") -> Issue:
    return parse_issue(text.encode(), name=name, profile=profile or Profile.default())


def outline(issue: Issue) -> list[tuple[str, str, list[str | None]]]:
    return [(s.key, s.title, [i.title for i in s.items]) for s in issue.sections]


def blocks(issue: Issue) -> list[tuple[str, str]]:
    return [
        (block.kind.value, block.text)
        for section in issue.sections
        for item in section.items
        for block in item.blocks
    ]


def test_markdown_sample_matches_the_plain_text_sample(sample_path: Path, profile: Profile) -> None:
    text = load_issue(sample_path, profile)
    markdown = load_issue(FIXTURES / "2025-10-04.md", profile)
    assert outline(markdown) == outline(text)
    for ours, theirs in zip(markdown.sections, text.sections, strict=True):
        for a, b in zip(ours.items, theirs.items, strict=True):
            assert a.headline == b.headline
            assert a.blocks == b.blocks  # kinds, spans (bold included), depth, ordinal


def test_markdown_sample_front_matter(profile: Profile) -> None:
    issue = load_issue(FIXTURES / "2025-10-04.md", profile)
    assert issue.title == "週刊ビジネスレター 2025-10-04号"
    assert issue.number == 1
    assert issue.date == date(2025, 10, 4)
    assert issue.publish_at == datetime(2025, 10, 4, 7, 0, tzinfo=JST)
    assert not any("編集メモ" in text for _, text in blocks(issue))  # an HTML comment
    assert not issue.notes


def test_headings_sections_items_and_sub_headings() -> None:
    issue = md(
        "Lead paragraph.\n\n"
        "## News\n\n### First story\n\nBody one.\n\n#### Detail\n\nMore.\n\n"
        "### Second story\n\nBody two.\n\n"
        "## Events\n\nNo items here.\n"
    )
    assert outline(issue) == [
        ("intro", "Intro", [None]),
        ("news", "News", ["First story", "Second story"]),
        ("events", "Events", [None]),
    ]
    news = issue.section("news")
    assert news is not None
    assert [(b.kind, b.text) for b in news.items[0].blocks] == [
        (BlockKind.PARAGRAPH, "Body one."),
        (BlockKind.SUBHEADING, "Detail"),
        (BlockKind.PARAGRAPH, "More."),
    ]


def test_lead_section_is_titled_by_the_issue_title() -> None:
    issue = md("---\ntitle: Weekly 7\n---\nHello.\n\n## Part\n\nText.\n")
    assert outline(issue)[0] == ("intro", "Weekly 7", [None])


def test_lone_h1_is_the_document_title() -> None:
    issue = md("# Weekly 8\n\n## One\n\nA.\n\n## Two\n\nB.\n")
    assert issue.title == "Weekly 8"
    assert [s.key for s in issue.sections] == ["one", "two"]


def test_lone_h1_differing_from_front_matter_titles_the_lead() -> None:
    issue = md("---\ntitle: Weekly 9\n---\n# Hello readers\n\nWelcome.\n\n## One\n\nA.\n")
    assert issue.title == "Weekly 9"
    assert outline(issue)[0] == ("intro", "Hello readers", [None])


def test_stray_h1_after_h2_sections_is_a_section_too() -> None:
    # This Week in Rust: "## …" sections with "### …" parts, then "# Quote of the Week".
    issue = md(
        "Intro.\n\n## Updates\n\n### Official\n\n* [a](https://a.example)\n\n"
        "## Jobs\n\nSee the thread.\n\n# Quote of the Week\n\n> Quoted.\n\n## Events\n\nNone.\n"
    )
    assert [s.key for s in issue.sections] == [
        "intro",
        "updates",
        "jobs",
        "quote-of-the-week",
        "events",
    ]
    quote = issue.section("quote-of-the-week")
    assert quote is not None
    assert quote.items[0].blocks[0].kind is BlockKind.QUOTE


def test_jser_shape_html_genre_headings_and_separators() -> None:
    issue = md(
        "---\ntitle: 2017-10-17のJS\ndate : 2017-10-17T00:54:58.535Z\n---\n\n"
        "JSer.info #353 - 前書き。\n\n----\n\n## お知らせ\n\n告知です。\n\n"
        '<h1 class="site-genre">ヘッドライン</h1>\n\n----\n\n'
        '## TestCafe v0.18.0\n[devexpress.github.io](http://devexpress.github.io/ "t")\n'
        '<p class="jser-tags jser-tag-icon"><span class="jser-tag">testing</span> '
        '<span class="jser-tag">E2E</span></p>\n\nTestCafe v0.18.0リリース。\n\n----\n\n'
        "## ESLint v4.9.0\n\n説明。\n\n----\n"
        '<h1 class="site-genre">アーティクル</h1>\n\n----\n\n## An article\n\n記事。\n\n'
        "{% include inline-support-ads.html %}\n",
        name="2017-10-17-vue.md",
    )
    assert outline(issue) == [
        ("intro", "2017-10-17のJS", [None, "お知らせ"]),
        ("ヘッドライン", "ヘッドライン", ["TestCafe v0.18.0", "ESLint v4.9.0"]),
        ("アーティクル", "アーティクル", ["An article"]),
    ]
    headline = issue.sections[1].items[0]
    assert [b.text for b in headline.blocks] == [
        "devexpress.github.io",
        "testing E2E",
        "TestCafe v0.18.0リリース。",
    ]
    assert headline.blocks[0].spans[0].href == "http://devexpress.github.io/"
    # A Liquid tag builds the page and shows nothing of its own (interface: no template tags).
    assert [b.text for b in issue.sections[2].items[0].blocks] == ["記事。"]
    assert issue.date == date(2017, 10, 17)


def test_lists_nested_and_ordered() -> None:
    issue = md(
        "## L\n\n- top\n  - nested **bold**\n    - deeper\n- second\n\n"
        "3. three\n4. four\n   1. inner\n"
    )
    got = [(b.kind, b.text, b.depth, b.ordinal) for b in issue.sections[0].items[0].blocks]
    assert got == [
        (BlockKind.BULLET, "top", 0, None),
        (BlockKind.BULLET, "nested bold", 1, None),
        (BlockKind.BULLET, "deeper", 2, None),
        (BlockKind.BULLET, "second", 0, None),
        (BlockKind.BULLET, "three", 0, 3),
        (BlockKind.BULLET, "four", 0, 4),
        (BlockKind.BULLET, "inner", 1, 1),
    ]


def test_inline_markup_becomes_spans() -> None:
    issue = md(
        "## S\n\nSee [the docs](https://docs.example/x) and *this* and **that** "
        "and `code()` and https://bare.example/path.\n"
    )
    spans = issue.sections[0].items[0].blocks[0].spans
    assert Span("the docs", href="https://docs.example/x") in spans
    assert Span("this", italic=True) in spans
    assert Span("that", bold=True) in spans
    assert Span("code()", code=True) in spans
    assert Span("https://bare.example/path", href="https://bare.example/path") in spans
    assert spans[-1] == Span(".")


def test_cjk_bold_that_commonmark_leaves_open_is_paired() -> None:
    issue = md("## S\n\n**“ネオクラウド”**と呼ばれる理由\n")
    assert issue.sections[0].items[0].blocks[0].spans == (
        Span("“ネオクラウド”", bold=True),
        Span("と呼ばれる理由"),
    )


def test_soft_breaks_join_japanese_without_a_space() -> None:
    issue = md("## S\n\nリリースの\n対応。\nAngularの対応\nand an English\nline.\n")
    # Only between two CJK characters does the break vanish; beside Latin it is a space.
    assert (
        issue.sections[0].items[0].blocks[0].text
        == "リリースの対応。 Angularの対応 and an English line."
    )


def test_code_quote_table_rule_comment_and_shortcode() -> None:
    # The shortcode goes (Hugo turns it into a path of the site): its link text stays.
    issue = md(
        "## S\n\n```js\nconst a = 1;\n\nfoo();\n```\n\n> quoted *text*\n\n"
        "| a | b |\n|---|---|\n| 1 | [x](https://x.example) |\n\n----\n\n"
        "<!-- hidden\nnote -->\n\n"
        '実体は[`--flag`]({{< ref "articles/2025/11/02.md" >}})です。\n\n'
        "    indented code\n"
    )
    got = [(b.kind, b.text) for b in issue.sections[0].items[0].blocks]
    assert got == [
        (BlockKind.CODE, "const a = 1;\n\nfoo();"),
        (BlockKind.QUOTE, "quoted text"),
        (BlockKind.PARAGRAPH, "a | b"),
        (BlockKind.PARAGRAPH, "1 | x"),
        (BlockKind.PARAGRAPH, "実体は--flagです。"),
        (BlockKind.CODE, "indented code"),
    ]


def test_profile_sections_in_markdown_with_unknown_peer_heading(profile: Profile) -> None:
    issue = md(
        "## トピック\n\n### 🚀 A\n\n本文。\n\n## お知らせ\n\n休刊します。\n\n"
        "## 編集後記\n\n### 余談\n\n以上。\n",
        profile,
    )
    assert outline(issue) == [
        ("topic", "トピック", ["🚀 A"]),
        ("お知らせ", "お知らせ", [None]),
        ("afterword", "編集後記", [None]),
    ]
    afterword = issue.section("afterword")
    assert afterword is not None
    assert [b.kind for b in afterword.items[0].blocks] == [
        BlockKind.SUBHEADING,
        BlockKind.PARAGRAPH,
    ]
    warnings = [n for n in issue.notes if n.kind is NoteKind.WARNING]
    assert len(warnings) == 1
    assert "お知らせ" in warnings[0].message
    assert warnings[0].line == 7


@pytest.mark.parametrize("suffix", [".md", ".markdown", ".MD"])
def test_format_by_extension(suffix: str) -> None:
    issue = md("## One\n\nA.\n", name=f"2026-01-05{suffix}")
    assert [s.key for s in issue.sections] == ["one"]


def test_format_can_be_forced() -> None:
    text = parse_issue(b"## One\n\nA.\n", name="x.txt", profile=Profile.default(), fmt="text")
    assert text.sections[0].key == "body"  # as plain text "## One" is just a line
    forced = parse_issue(b"## One\n\nA.\n", name="x.txt", profile=Profile.default(), fmt="markdown")
    assert forced.sections[0].key == "one"


MARKS = ["# ", "## ", "### ", "#### ", "- ", "  - ", "1. ", "> ", "```\n", "    ", "\n", "\n\n"]
INLINE = ["**", "*", "`", "_", "[link](https://x.example/a)", "https://bare.example/b", "<br>"]
HTML = ['<h1 class="site-genre">ジャンル</h1>\n', "<!-- hidden -->", "<p>段落<b>太字</b></p>\n"]
OTHER = ["----\n", "|a|b|\n|-|-|\n|1|2|\n", "{% include x.html %}", '{{< ref "a.md" >}}', "&amp;"]
WORDS = ["本文です。", "見出し", "words here", "🚀", "トピック", "編集後記", "コメント"]
FRAGMENTS = st.sampled_from(MARKS + INLINE + HTML + OTHER + WORDS)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(FRAGMENTS, min_size=1, max_size=40))
def test_generated_markdown_never_crashes_and_loses_nothing(
    pieces: list[str], profile: Profile
) -> None:
    source = "Intro text.\n\n" + "".join(pieces)
    for used in (profile, Profile.default()):
        issue = parse_issue(source.encode(), name="2026-01-05.md", profile=used)
        dropped = [n for n in issue.notes if n.kind is NoteKind.DROPPED]
        if not dropped:  # trailing コメント is removed on purpose
            assert_nothing_lost(source, issue)


# ---- issue 15: constructs of newsletters the project had never seen -------------------------


def test_footnotes_go_with_the_item_that_cites_them() -> None:
    issue = md(
        "## ニュース\n\n### 無料プラン\n\n使えます[^note]。\n\n- 箇条書き[^2]\n\n"
        "### 次の話\n\n別の話。\n\n"
        "[^note]: ただし、クレジットカードの登録は必要です。\n"
        "[^2]:\n    二つ目の**注**。\n"
    )
    first, second = issue.sections[0].items
    assert first.title == "無料プラン" and second.title == "次の話"
    assert [b.text for b in first.blocks] == [
        "使えます[1]。",
        "箇条書き[2]",
        "[1] ただし、クレジットカードの登録は必要です。",
        "[2] 二つ目の注。",
    ]
    assert [b.text for b in second.blocks] == ["別の話。"]


def test_hard_line_breaks_stay_line_breaks() -> None:
    issue = md(
        "## S\n\nthree tiers:  \n😎 **Friendly**\\\n😤 Grumpy<br>🤘 Punk\n\n"
        "### 2021年のまとめ<br>Taprootの有効化\n\n本文。\n"
    )
    lead, item = issue.sections[0].items
    assert lead.blocks[0].text == "three tiers:\n😎 Friendly\n😤 Grumpy\n🤘 Punk"
    assert item.title == "2021年のまとめ Taprootの有効化"  # a heading stays one line


def test_a_soft_break_joins_without_a_space_only_between_two_cjk_characters() -> None:
    issue = md("## S\n\nツールを作りました\nhttps://x.com/u/status/1\nで公開中。\n")
    assert issue.sections[0].items[0].blocks[0].text == (
        "ツールを作りました https://x.com/u/status/1 で公開中。"
    )
    assert issue.sections[0].items[0].blocks[0].spans[1].href == "https://x.com/u/status/1"


def test_heading_ids_leave_keys_and_titles() -> None:
    issue = md("## ⚛️ React {#react}\n\nA.\n\n## 📱 React-Native {: #rn .x}\n\nB.\n")
    assert [(s.key, s.title) for s in issue.sections] == [
        ("react", "⚛️ React"),
        ("react-native", "📱 React-Native"),
    ]


def test_links_a_chat_reader_cannot_open_are_text_and_unresolved_references_lose_brackets() -> None:
    issue = md(
        "## S\n\nSee [the docs](/docs/x), [a post](../2021-03-09-i18n.md), [top](#top), "
        "[mail](mailto:a@example.com) and [Taproot][topic taproot], [BIP353][], [ZH][EN].\n"
    )
    [block] = issue.sections[0].items[0].blocks
    assert block.text == (
        "See the docs, a post, top, mail and Taproot, BIP353, [ZH][EN]."  # "[ZH][EN]" is prose
    )
    assert [span.href for span in block.spans if span.href] == ["mailto:a@example.com"]


@pytest.mark.parametrize(
    "line", ["``{% include x.html %}`", "{% include x.html %}```", "{% x %}~~~ python"]
)
def test_a_template_tag_before_or_between_backticks_leaves_no_fence_behind(line: str) -> None:
    # Found by the generated test above: the tag went and a fence was left (```), which
    # turned the rest of the file into code.
    source = f"Intro text.\n\n{line}\n# After it."
    issue = parse_issue(source.encode(), name="2026-01-05.md", profile=Profile.default())
    assert_nothing_lost(source, issue)
    assert all(
        b.kind is not BlockKind.CODE for s in issue.sections for i in s.items for b in i.blocks
    )
