"""LineRenderer output checked against LINE's OpenAPI spec and the limits it leaves out."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bots.line.flex import json_size
from bots.line.postback import decode, encode
from bots.line.render import LineRenderer, text_messages
from core.model import (
    Block,
    BlockKind,
    Issue,
    IssueRef,
    Item,
    Overview,
    Reply,
    Section,
    SectionSummary,
    Span,
    Suggestion,
)
from core.overview import summarize
from core.profile import Profile
from core.splitting import split_issue, split_section
from tests.fakes.line_limits import check_extra_limits, utf16_units
from tests.fakes.line_openapi import check_schema


def valid(*messages: dict[str, Any]) -> None:
    """Raise unless LINE would take these messages in one reply."""
    body = {"replyToken": "t", "messages": list(messages)}
    check_schema("messaging-api.yml", "ReplyMessageRequest", body)
    check_extra_limits("/v2/bot/message/reply", body)


def test_every_post_of_the_sample_is_a_valid_text_message(
    renderer: LineRenderer, sample_issue: Issue
) -> None:
    posts = split_issue(sample_issue, renderer.limits)
    for post in posts:
        message = renderer.post(post)
        valid(message)
        assert message["type"] == "text" and "**" not in message["text"]
    first = renderer.post(posts[0])["text"]
    assert first.startswith("【トピック】 1/2\n🚀 CoreWeave、Metaとの巨額契約で株価急騰\n\n")
    # The bold run is there, without its markers.
    assert "・“ネオクラウド”と呼ばれる理由" in first


def test_paragraphs_keep_a_blank_line_in_every_part_as_in_slack(
    renderer: LineRenderer, sample_issue: Issue
) -> None:
    posts = [p for p in split_issue(sample_issue, renderer.limits) if p.section_key == "topic"]
    second = renderer.post(posts[1])["text"]
    assert second.startswith("【トピック】 2/2\n■ まとめ\n今回のMetaとCoreWeaveの契約は")
    assert "意味を持ちます。\n\nまず、AIの覇権争い" in second
    # A list stays under the line that introduces it, a sub-heading on its text.
    first = renderer.post(posts[0])["text"]
    assert "■ CoreWeaveとは?\n・事業モデル" in first
    assert "締結。\n\n■ なぜ今、需要が集中?\nAIモデル" in first
    assert "\n\n\n" not in first + second


def test_the_measure_is_exactly_what_post_draws(
    renderer: LineRenderer, sample_issue: Issue
) -> None:
    for post in split_issue(sample_issue, renderer.limits):
        body = renderer.post(post)["text"].split("\n", 1)[1]
        assert utf16_units(body) == renderer.limits.measure(post.headline, post.blocks)


def test_a_huge_item_of_emoji_splits_within_5000_utf16_units(renderer: LineRenderer) -> None:
    # Each 🚀 is 2 UTF-16 units: counting characters would overflow LINE's limit.
    paragraph = "🚀宇宙開発のニュース。" * 60
    blocks = tuple(Block(BlockKind.PARAGRAPH, (Span(paragraph),)) for _ in range(30))
    section = Section("topic", "トピック", (Item((Span("大特集"),), blocks),))
    posts = split_section(section, IssueRef(1, None, None), renderer.limits)
    assert len(posts) > 2
    messages = [renderer.post(post) for post in posts]
    for message in messages:
        valid(message)
        assert utf16_units(message["text"]) <= 5000
    carried = "".join(post.text for post in posts).replace("\n", "")
    assert carried == "大特集" + paragraph * 30


def test_a_reply_longer_than_five_messages_ends_with_read_more(
    renderer: LineRenderer, sample_issue: Issue
) -> None:
    shorts = sample_issue.section("shorts")
    assert shorts is not None
    many = dataclasses.replace(shorts, items=shorts.items * 4)  # 8 posts
    posts = split_section(many, sample_issue.ref, renderer.limits)
    reply = Reply(
        intent="section",
        language="ja",
        posts=tuple(posts),
        suggestions=(Suggestion("トピック", "issue 1 topic"),),
        args={"issue": "1", "section": "shorts", "first": "1", "total": str(len(posts))},
    )
    messages = renderer.reply(reply)
    valid(*messages)
    assert len(messages) == 5
    first, *rest = messages[-1]["quickReply"]["items"]
    assert first["action"]["label"] == "続きを読む (6/8)"
    assert decode(first["action"]["data"]) == ("issue 1 shorts p6", "ja")
    assert [i["action"]["label"] for i in rest] == ["トピック"]


def test_quick_replies_stay_within_13_buttons_of_20_characters(renderer: LineRenderer) -> None:
    suggestions = tuple(
        Suggestion(f"とても長い長いセクションの名前その{n}番目です", f"issue 1 s{n}")
        for n in range(20)
    )
    [message] = renderer.reply(
        Reply(intent="help", language="ja", message="x", suggestions=suggestions)
    )
    valid(message)
    items = message["quickReply"]["items"]
    assert len(items) == 13
    assert all(len(i["action"]["label"]) <= 20 for i in items)
    assert items[0]["action"]["label"].endswith("…")
    assert items[0]["action"]["displayText"] == suggestions[0].label


def test_the_digest_is_a_carousel_with_a_read_button_per_section(
    renderer: LineRenderer, profile: Profile, sample_issue: Issue
) -> None:
    message = renderer.digest(summarize(sample_issue, profile))
    valid(message)
    assert (
        message["altText"]
        == "週刊ビジネスレター 第1号: トピック / 気になった記事 / 小ネタ / 編集後記"
    )
    bubbles = message["contents"]["contents"]
    assert len(bubbles) == 4
    for bubble, key in zip(bubbles, ("topic", "articles", "shorts", "afterword"), strict=True):
        action = bubble["footer"]["contents"][0]["action"]
        assert (action["label"], decode(action["data"])) == ("読む", (f"issue 1 {key}", "ja"))
        assert json_size(bubble) < 30_000
    assert json_size(message["contents"]) < 50_000


def test_bold_in_a_digest_excerpt_becomes_a_bold_flex_span(renderer: LineRenderer) -> None:
    spans = (Span("AIの覇権争いは "), Span("GPUを握る者", bold=True), Span(" が制す"))
    summary = SectionSummary(
        key="topic",
        title="トピック",
        label="トピック",
        headline="見出し",
        excerpt="AIの覇権争いは GPUを握る者 が制す",
        items=1,
        excerpt_spans=spans,
    )
    message = renderer.digest(Overview("週刊", IssueRef(3, None, None), (summary,)))
    valid(message)
    excerpt = message["contents"]["contents"][0]["body"]["contents"][1]
    assert excerpt["contents"] == [
        {"type": "span", "text": "AIの覇権争いは "},
        {"type": "span", "text": "GPUを握る者", "weight": "bold"},
        {"type": "span", "text": " が制す"},
    ]


def test_a_digest_of_an_issue_without_a_number_names_no_empty_number(
    renderer: LineRenderer, profile: Profile, sample_issue: Issue
) -> None:
    unnumbered = dataclasses.replace(sample_issue, number=None)
    message = renderer.digest(summarize(unnumbered, profile))
    valid(message)
    assert message["altText"] == "週刊ビジネスレター: トピック / 気になった記事 / 小ネタ / 編集後記"
    assert "第号" not in str(message)


def test_a_digest_of_many_long_sections_stays_within_the_flex_limits(
    renderer: LineRenderer,
) -> None:
    summaries = tuple(
        SectionSummary(
            key=f"s{n}",
            title="長い" * 100,
            label="長いセクション名" * 20,
            headline="見出し🚀" * 200,
            excerpt="本文" * 40,
            items=3,
        )
        for n in range(15)
    )
    message = renderer.digest(Overview("週刊" * 200, IssueRef(12, None, None), summaries))
    valid(message)
    assert len(message["contents"]["contents"]) == 12
    assert len(message["altText"]) <= 400


def test_long_plain_answers_are_cut_at_lines_into_valid_messages() -> None:
    line = "検索結果の一行です。" * 20
    messages = text_messages("\n".join([line] * 200))
    valid(*messages)
    assert len(messages) == 5
    assert all(utf16_units(m["text"]) <= 5000 for m in messages)
    assert messages[-1]["text"].endswith("…")


def test_postback_data_fits_300_characters() -> None:
    assert decode(encode("issue 12 topic p3", "en")) == ("issue 12 topic p3", "en")
    assert decode(encode("help")) == ("help", None)
    assert decode("something=else") is None
    with pytest.raises(ValueError, match="300"):
        encode("x" * 300)
