"""What a reader sees of the splitter: how items become posts on each platform."""

from __future__ import annotations

import pytest

from core.model import Block, BlockKind, Issue, Item, Post, Section, Span
from core.splitting import Limits, LimitsTooSmall, graphemes, split_issue, split_section
from core.splitting.limits import plain_measure
from tests.core.splitting.sample import afterword, long_topic, sample_topic, shorts
from tests.core.splitting.strategies import (
    check_posts,
    ref,
    slack_measure,
    squeeze,
    utf16_measure,
)

ROOMY = Limits("slack", 12_000, plain_measure, target_chars=1000)


def split_one(item: Item, limits: Limits, key: str = "topic") -> list[Post]:
    issue = Issue(sections=(Section(key, key, (item,)),))
    posts = split_issue(issue, limits)
    check_posts(issue, posts, limits)
    return posts


def paragraph(*spans: Span) -> Block:
    return Block(BlockKind.PARAGRAPH, spans)


def test_the_sample_topic_arrives_in_two_parts_cut_at_a_sub_heading() -> None:
    posts = split_one(sample_topic(), ROOMY)

    assert [(p.part, p.parts) for p in posts] == [(1, 2), (2, 2)]
    assert posts[0].headline == sample_topic().headline
    assert posts[0].text.startswith("🚀 CoreWeave、Metaとの巨額契約で株価急騰\nAIインフラの")
    assert posts[0].blocks[-1].text.endswith("大きく左右するでしょう。")  # end of 日本への示唆
    assert posts[1].blocks[0].kind is BlockKind.SUBHEADING
    assert posts[1].blocks[0].text == "まとめ"
    assert all(len(p.text) <= 1100 for p in posts)


def test_a_2500_character_topic_comes_in_three_balanced_parts_at_its_sub_headings() -> None:
    topic = long_topic()
    assert 2400 <= len(topic.title or "") + len(topic.text) <= 2600

    posts = split_one(topic, ROOMY)

    assert len(posts) == 3
    assert [p.blocks[0].text for p in posts[1:]] == ["まとめ", "リスク"]
    assert all(p.blocks[0].kind is BlockKind.SUBHEADING for p in posts[1:])
    assert all(400 <= len(p.text) <= 1100 for p in posts)


def test_no_part_ends_with_a_sub_heading() -> None:
    for target in (150, 300, 500, 800, 1000):
        limits = Limits("slack", 12_000, plain_measure, target_chars=target)
        posts = split_one(long_topic(), limits)
        assert len(posts) > 1
        assert all(p.blocks[-1].kind is not BlockKind.SUBHEADING for p in posts), target


def test_short_items_and_the_afterword_stay_one_post_each() -> None:
    posts = split_section(shorts(), ref(), ROOMY)
    assert [(p.item, p.part, p.parts) for p in posts] == [(0, 1, 1), (1, 1, 1)]
    assert posts[1].text.startswith("📚 「Reading Rainbow」復活!\n1983年から")

    (after,) = split_section(afterword(), ref(), ROOMY)
    assert after.headline is None
    assert after.text == afterword().items[0].text


def test_a_paragraph_longer_than_the_target_splits_at_sentences_into_whole_paragraphs() -> None:
    sentence = (
        "AIインフラの新星が、巨額の契約を発表し、市場は即座に反応して株価は大きく上がりました。"
    )
    text = sentence * 40  # about 1,700 characters, one paragraph
    posts = split_one(Item(None, (paragraph(Span(text)),)), ROOMY)

    assert len(posts) == 2
    for post in posts:
        assert len(post.blocks) == 1  # the sentences of a part stay one paragraph
        assert post.blocks[0].kind is BlockKind.PARAGRAPH
        assert post.text.endswith("。")


def test_an_intro_line_stays_with_the_list_it_introduces() -> None:
    intro = paragraph(Span("トランプ大統領とファイザーが取引。ポイントは以下の通り:"))
    bullets = tuple(Block(BlockKind.BULLET, (Span("約束" * 60 + "。"),)) for _ in range(4))
    lead = paragraph(Span("前置き。" * 90))
    limits = Limits("slack", 12_000, plain_measure, target_chars=500)

    posts = split_one(Item(None, (lead, intro, *bullets)), limits)

    holding_intro = next(p for p in posts if intro.text in p.text)
    assert holding_intro.blocks[-1].kind is BlockKind.BULLET


def test_hard_limits_below_the_target_cut_at_sentences_then_phrases() -> None:
    text = (
        "今回の契約は、単なるインフラ調達以上の意味を持ちます。"
        "Nvidiaの供給が限られるなか、GPUを押さえ込む事業者が新しい覇権の鍵になっているのです。"
    )
    limits = Limits("line", 40, utf16_measure, target_chars=1000)
    posts = split_one(Item(None, (paragraph(Span(text)),)), limits)

    texts = [p.text for p in posts]
    assert texts[0] == "今回の契約は、単なるインフラ調達以上の意味を持ちます。"
    assert texts[1].startswith("Nvidiaの供給が限られるなか、")
    # BudouX phrases, not characters: no piece ends inside a word like 覇権 or 事業者
    assert all(not a.endswith(("覇", "事業", "押さ")) for a in texts)


def test_slack_escaping_is_what_is_measured_not_the_plain_length() -> None:
    text = "R&D <b> & AT&T. " * 30  # 480 characters, about 840 once escaped
    limits = Limits("slack", 300, slack_measure, target_chars=1000)
    posts = split_one(Item(None, (paragraph(Span(text)),)), limits)

    assert len(posts) >= 3
    assert all(slack_measure(p.headline, p.blocks) <= 300 for p in posts)


def test_links_urls_and_bold_spans_are_never_cut_when_they_fit() -> None:
    link = Span("CoreWeave announces a $14.2 billion deal with Meta", href="https://example.com/cw")
    bold = Span("外部の高速インフラに“丸投げ”", bold=True)
    words = Span("Some words here before the link, and more words that go on. ")
    bare = Span(" then https://example.com/a/really/long/path?with=query&and=more ok")
    block = paragraph(words, link, Span(" と "), bold, bare)
    limits = Limits("slack", 90, slack_measure, target_chars=1000)

    posts = split_one(Item(None, (block,)), limits)

    assert any(link in p.blocks[0].spans for p in posts)
    assert any(bold in p.blocks[0].spans for p in posts)
    assert any(
        "https://example.com/a/really/long/path?with=query&and=more" in p.text for p in posts
    )


def test_a_bold_span_bigger_than_a_post_is_cut_and_stays_bold_in_every_piece() -> None:
    bold = Span("事業者が新しい覇権の鍵になっているのです。" * 6, bold=True)
    posts = split_one(Item(None, (paragraph(bold),)), Limits("line", 60, utf16_measure))

    assert len(posts) > 1
    assert all(span.bold for p in posts for span in p.blocks[0].spans)


def test_an_overlong_url_is_cut_at_its_slashes() -> None:
    url = "https://example.com/" + "/".join(["segment"] * 12)
    posts = split_one(Item(None, (paragraph(Span(url, href=url)),)), Limits("line", 50))

    assert len(posts) > 1
    assert all(p.text.endswith("/") for p in posts[:-1])
    assert all(span.href == url for p in posts for span in p.blocks[0].spans)


def test_emoji_sequences_and_flags_are_never_cut() -> None:
    family = "👩\u200d👩\u200d👧\u200d👦"
    text = (family + "🇯🇵" + "e\u0301") * 40  # no punctuation, no spaces
    posts = split_one(Item(None, (paragraph(Span(text)),)), Limits("line", 50, utf16_measure))

    assert len(posts) > 1
    for post in posts:
        assert all(g in (family, "🇯🇵", "e\u0301") for g in graphemes(post.text))


def test_a_long_token_without_any_break_is_cut_at_characters() -> None:
    token = "x" * 500
    posts = split_one(Item(None, (paragraph(Span(f"start {token} end")),)), Limits("line", 120))

    assert len(posts) == 5
    assert posts[0].text.startswith("start x")
    assert posts[-1].text.endswith("x end")
    assert all(set(p.text) == {"x"} for p in posts[1:-1])


def test_every_block_respects_the_per_block_cap() -> None:
    blocks = tuple(paragraph(Span("長い文章が続きます。" * 40)) for _ in range(3))
    limits = Limits("slack", 2000, plain_measure, target_chars=5000, max_block_size=150)
    posts = split_one(Item(None, blocks), limits)

    assert all(plain_measure(None, [b]) <= 150 for p in posts for b in p.blocks)


def test_a_headline_too_long_for_a_post_continues_in_the_body() -> None:
    headline = (Span("とても長い見出しが続いていきます。" * 5),)
    item = Item(headline, (paragraph(Span("本文です。")),))
    posts = split_one(item, Limits("line", 40))

    assert posts[0].headline is not None
    assert all(p.headline is None for p in posts[1:])
    assert squeeze("".join(p.text for p in posts)) == squeeze((item.title or "") + item.text)


def test_the_headline_goes_alone_rather_than_cut_a_link_that_fits_a_post() -> None:
    link = Span("https://example.com/" + "a" * 30, href="https://example.com/" + "a" * 30)
    item = Item((Span("見出し" * 8),), (paragraph(link),))
    posts = split_one(item, Limits("line", 60))

    assert posts[0].blocks == ()
    assert posts[1].blocks[0].spans == (link,)


def test_blank_blocks_and_empty_items_produce_nothing() -> None:
    blank = Item(None, (paragraph(Span("  ")),))
    posts = split_section(Section("s", "S", (blank, sample_topic())), ref(), ROOMY)
    assert {p.item for p in posts} == {1}


def test_limits_too_small_for_one_character_fail_clearly() -> None:
    with pytest.raises(LimitsTooSmall, match="raise the platform's size limit"):
        split_one(Item(None, (paragraph(Span("あいう")),)), Limits("line", 1))


def test_posts_carry_the_issue_section_and_platform() -> None:
    posts = split_section(shorts(), ref(), Limits("line", 5000, utf16_measure))
    assert {(p.platform, p.section_key, p.section_title, p.issue) for p in posts} == {
        ("line", "shorts", "小ネタ2本", ref())
    }
