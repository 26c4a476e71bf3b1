"""SlackRenderer: mrkdwn as Slack reads it, and every message within Block Kit limits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bots.slack import mrkdwn
from bots.slack.blocks import BLOCK_TEXT_BUDGET, SECTION_TEXT, decode_value
from bots.slack.render import SlackRenderer
from core.model import (
    Block,
    BlockKind,
    Issue,
    IssueRef,
    Item,
    Overview,
    Post,
    Reply,
    Section,
    SectionSummary,
    Span,
    Suggestion,
)
from core.overview import summarize
from core.parsing import load_issue
from core.profile import Profile
from core.splitting import split_issue, split_section
from tests.fakes import slack_blockkit

REF = IssueRef(number=7, title=None, date=date(2025, 10, 4))


def paragraph(*spans: Span) -> Block:
    return Block(BlockKind.PARAGRAPH, spans)


def test_only_ampersand_and_angle_brackets_are_escaped() -> None:
    text = mrkdwn.block(paragraph(Span("A&B <tag> \"q\" 'a' *x* _y_ ~z~ → ok")))
    assert text == "A&amp;B &lt;tag&gt; \"q\" 'a' *x* _y_ ~z~ → ok"


def test_markdown_styles_become_mrkdwn() -> None:
    spans = (
        Span("plain "),
        Span("bold", bold=True),
        Span(" and "),
        Span("italic", italic=True),
        Span(" and "),
        Span("code", code=True),
        Span(" and "),
        Span("a link", href="https://example.com/?a=1&b=2"),
        Span("."),
    )
    assert mrkdwn.block(paragraph(*spans)) == (
        "plain *bold* and _italic_ and `code` and <https://example.com/?a=1&amp;b=2|a link>."
    )


def test_a_link_cannot_break_out_of_its_brackets() -> None:
    link = mrkdwn.link("https://example.com/x|y>z", "a <b> | c")
    assert link == "<https://example.com/x%7Cy%3Ez|a &lt;b&gt; | c>"
    assert mrkdwn.link("https://example.com/") == "<https://example.com/>"


def test_bold_inside_japanese_gets_zero_width_spaces() -> None:
    text = mrkdwn.block(
        paragraph(Span("これは"), Span("“ネオクラウド”", bold=True), Span("と呼ばれる"))
    )
    assert text == f"これは{mrkdwn.ZWSP}*“ネオクラウド”*{mrkdwn.ZWSP}と呼ばれる"
    english = mrkdwn.block(paragraph(Span("a "), Span("bold", bold=True), Span(", b")))
    assert mrkdwn.ZWSP not in english


def test_markers_hug_the_text() -> None:
    assert mrkdwn.block(paragraph(Span("see "), Span("this ", bold=True), Span("now"))) == (
        "see *this* now"
    )


def test_blocks_are_drawn_by_kind() -> None:
    assert mrkdwn.block(Block(BlockKind.SUBHEADING, (Span("Why now?"),))) == "*Why now?*"
    assert mrkdwn.block(Block(BlockKind.BULLET, (Span("one"),))) == "• one"
    assert mrkdwn.block(Block(BlockKind.BULLET, (Span("two"),), depth=1)) == "    ◦ two"
    assert mrkdwn.block(Block(BlockKind.BULLET, (Span("three"),), ordinal=3)) == "3. three"
    assert mrkdwn.block(Block(BlockKind.QUOTE, (Span("a\nb"),))) == "> a\n> b"
    assert mrkdwn.block(Block(BlockKind.CODE, (Span("x < 1"),))) == "```\nx &lt; 1\n```"


def test_limits_measure_the_mrkdwn_that_is_sent(renderer: SlackRenderer, profile: Profile) -> None:
    limits = renderer.limits
    assert limits.platform == "slack"
    assert limits.max_block_size == SECTION_TEXT
    assert limits.target_chars == profile.target_post_chars
    assert limits.max_size < BLOCK_TEXT_BUDGET
    head = (Span("Title & more"),)
    blocks = (paragraph(Span("a", bold=True), Span("b")), Block(BlockKind.BULLET, (Span("c"),)))
    assert limits.measure(head, blocks) == len(mrkdwn.body(head, blocks))
    assert mrkdwn.body(head, blocks) == f"*Title &amp; more*\n*a*{mrkdwn.ZWSP}b\n• c"


def test_a_post_has_its_section_header_first_and_its_place_last(
    renderer: SlackRenderer, sample_issue: Issue
) -> None:
    posts = split_issue(sample_issue, renderer.limits)
    first, second = posts[0], posts[1]
    assert (first.part, first.parts) == (1, 2)
    payload = renderer.post(first)
    blocks = payload["blocks"]
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == "トピック"
    assert blocks[-1]["type"] == "context"
    assert blocks[-1]["elements"][0]["text"] == "トピック · 第1号 · 1/2"
    assert payload["text"].startswith("🚀 CoreWeave、Metaとの巨額契約で株価急騰\nAIインフラ")
    assert renderer.post(second)["blocks"][0]["type"] == "section"  # no second header
    assert "channel" not in payload


def test_every_post_of_the_sample_is_within_limits(
    renderer: SlackRenderer, sample_issue: Issue
) -> None:
    for post in split_issue(sample_issue, renderer.limits):
        payload = renderer.post(post)
        assert slack_blockkit.problems(payload["blocks"], text=payload["text"]) == []


def test_a_huge_item_is_split_into_posts_within_every_limit(renderer: SlackRenderer) -> None:
    blocks = tuple(
        paragraph(Span(f"段落{i}。" + "長い文章が続きます。" * 280, bold=i % 3 == 0))
        for i in range(12)
    )
    bullets = tuple(Block(BlockKind.BULLET, (Span(f"項目{i} & <x>"),)) for i in range(300))
    item = Item(headline=(Span("見出し " * 40),), blocks=blocks + bullets)
    section = Section("topic", "トピック", (item,))
    posts = split_section(section, REF, renderer.limits)
    assert len(posts) > 3
    for post in posts:
        payload = renderer.post(post)
        assert slack_blockkit.problems(payload["blocks"], text=payload["text"]) == []
        shown = "".join(slack_blockkit.text_objects(payload["blocks"]))
        assert len(shown) <= BLOCK_TEXT_BUDGET


def test_a_page_of_big_posts_is_packed_into_messages_within_limits(
    renderer: SlackRenderer,
) -> None:
    posts = tuple(
        Post(
            platform="slack",
            issue=REF,
            section_key="topic",
            section_title="トピック",
            item=i,
            part=1,
            parts=1,
            headline=(Span(f"Story {i}"),),
            blocks=tuple(paragraph(Span("x" * 2900)) for _ in range(3)),
        )
        for i in range(3)
    )
    reply = Reply(
        intent="section",
        posts=posts,
        language="en",
        more=Suggestion("Next (4/9)", "issue 7 topic p4"),
        suggestions=(Suggestion("編集後記", "issue 7 afterword"),),
        args={"issue": "7", "section": "topic", "first": "1", "total": "9"},
    )
    messages = renderer.reply(reply, share="issue 7 topic p1")
    assert len(messages) == 3
    for message in messages:
        assert slack_blockkit.problems(message["blocks"], text=message["text"]) == []
    assert messages[0]["blocks"][0]["type"] == "header"
    assert all(m["blocks"][0]["type"] != "header" for m in messages[1:])
    assert all(b["type"] != "actions" for m in messages[:-1] for b in m["blocks"])
    actions = messages[-1]["blocks"][-1]
    assert [decode_value(e["value"]) for e in actions["elements"]] == [
        ("en", "issue 7 topic p4"),
        ("en", "issue 7 afterword"),
        ("en", "issue 7 topic p1"),
    ]
    assert actions["elements"][0]["style"] == "primary"
    assert "parts 1–3 of 9" in messages[-1]["blocks"][-2]["elements"][0]["text"]


def test_the_digest_cover_names_each_section_with_its_headline(
    renderer: SlackRenderer, sample_issue: Issue, profile: Profile
) -> None:
    payload = renderer.digest(summarize(sample_issue, profile), threaded=True)
    assert slack_blockkit.problems(payload["blocks"], text=payload["text"]) == []
    assert (
        payload["text"]
        == "週刊ビジネスレター 第1号 (2025-10-04): トピック, 気になった記事, 小ネタ, 編集後記"
    )
    lines = payload["blocks"][2]["text"]["text"].split("\n")
    assert lines[0] == "*トピック*  🚀 CoreWeave、Metaとの巨額契約で株価急騰"
    assert lines[2].endswith("_ほか1本_")
    assert payload["blocks"][-1]["elements"][0]["text"] == "全文はこのスレッドに続きます"


def test_a_digest_of_many_sections_stays_within_limits(renderer: SlackRenderer) -> None:
    sections = tuple(
        SectionSummary(f"s{i}", f"Section {i}", f"Section {i}", "h" * 300, "", 3) for i in range(80)
    )
    overview = Overview("Weekly", IssueRef(1, "T" * 400, None), sections)
    payload = renderer.digest(overview)
    assert slack_blockkit.problems(payload["blocks"], text=payload["text"]) == []
    assert payload["blocks"][0]["text"]["text"].endswith("…")


def test_message_replies_are_escaped_and_carry_their_buttons(renderer: SlackRenderer) -> None:
    reply = Reply(
        intent="unknown",
        language="ja",
        message="「<@U1> & co」は分かりませんでした。",
        suggestions=(Suggestion("ヘルプ", "help"),),
    )
    [message] = renderer.reply(reply)
    assert message["blocks"][0]["text"]["text"] == "「&lt;@U1&gt; &amp; co」は分かりませんでした。"
    assert message["blocks"][1]["elements"][0]["value"] == "ja|help"


def test_every_post_of_real_newsletters_is_within_limits(corpora: Path) -> None:
    renderer = SlackRenderer(Profile.default("corpus"))
    files = [
        *sorted((corpora / "this-week-in-rust").glob("*.md"))[:25],
        *sorted((corpora / "deno-weekly").rglob("*.md"))[:25],
        *sorted((corpora / "jser" / "posts").glob("*.md"))[:25],
    ]
    assert len(files) == 75
    count = 0
    for path in files:
        for post in split_issue(load_issue(path, renderer.profile), renderer.limits):
            payload = renderer.post(post)
            assert slack_blockkit.problems(payload["blocks"], text=payload["text"]) == [], path
            count += 1
    assert count > 1000


@pytest.mark.parametrize("value", ["ja|issue 1 topic", "issue 1 topic", "xx|y"])
def test_button_values_round_trip(value: str) -> None:
    language, command = decode_value(value)
    if value.startswith("ja|"):
        assert (language, command) == ("ja", "issue 1 topic")
    else:
        assert (language, command) == (None, value)


@pytest.mark.parametrize(
    ("wire", "typed"),
    [
        ("<@UB0001> latest topic", "latest topic"),
        ("<@UB0001|haishin>: 最新トピック", "最新トピック"),
        ("search AT&amp;T &lt;3", "search AT&T <3"),
        ("search <https://example.com/a|example> in <#C0123|general>", "search example in general"),
        ("<https://example.com/b>", "https://example.com/b"),
    ],
)
def test_what_slack_sends_is_read_as_what_the_person_typed(wire: str, typed: str) -> None:
    assert mrkdwn.to_plain(wire) == typed


def test_found_words_are_bold_and_the_text_around_them_escaped() -> None:
    assert mrkdwn.marked("a <b> & AI, ai", ["ai", "<b>"]) == "a *&lt;b&gt;* &amp; *AI*, *ai*"
    # Beside Japanese letters a marker needs a zero-width space to count.
    assert mrkdwn.marked("新AI基盤", ["AI"]) == f"新{mrkdwn.ZWSP}*AI*{mrkdwn.ZWSP}基盤"
    assert mrkdwn.marked("1 < 2", []) == "1 &lt; 2"


def test_a_search_answer_is_one_result_a_paragraph_with_the_words_in_bold(
    renderer: SlackRenderer,
) -> None:
    reply = Reply(
        intent="search",
        language="en",
        message="Results for 'gpu' (2):\n\n#1 Topic: GPU clouds … rent a GPU\n\n#2 Shorts … <gpu>",
        marks=("gpu",),
    )
    [message] = renderer.reply(reply)
    text = message["blocks"][0]["text"]["text"]
    assert text == (
        "Results for 'gpu' (2):\n\n#1 Topic: *GPU* clouds … rent a *GPU*\n\n"
        "#2 Shorts … &lt;*gpu*&gt;"
    )
