"""The sample issue (content/issues/2025-10-04.txt) parses into the structure readers see."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.model import BlockKind, Issue, NoteKind
from core.parsing import load_issue, parse_issue
from core.profile import Profile


@pytest.fixture(scope="module")
def issue(sample_path: Path, profile: Profile) -> Issue:
    return load_issue(sample_path, profile)


def _all_text(issue: Issue) -> list[str]:
    texts: list[str] = []
    for section in issue.sections:
        texts.append(section.title)
        for item in section.items:
            if item.title:
                texts.append(item.title)
            texts.extend(block.text for block in item.blocks)
    return texts


def test_four_sections_with_their_items(issue: Issue) -> None:
    assert [(s.key, s.title, [i.title for i in s.items]) for s in issue.sections] == [
        ("topic", "トピック", ["🚀 CoreWeave、Metaとの巨額契約で株価急騰"]),
        ("articles", "気になった記事", ["💊 トランプ×ファイザー、薬価と関税のディール"]),
        (
            "shorts",
            "小ネタ2本",
            ["🎬 映画関税にチームスターズが支持表明", "📚 「Reading Rainbow」復活!"],
        ),
        ("afterword", "編集後記", [None]),
    ]


def test_date_comes_from_the_file_name(issue: Issue) -> None:
    assert issue.date == date(2025, 10, 4)
    assert issue.number is None
    assert issue.title is None


def test_afterword_is_one_item_of_three_paragraphs(issue: Issue) -> None:
    afterword = issue.section("afterword")
    assert afterword is not None
    (item,) = afterword.items
    assert item.headline is None
    assert [b.kind for b in item.blocks] == [BlockKind.PARAGRAPH] * 3
    assert item.blocks[0].text.startswith("今週は、AIインフラの巨額契約")
    assert item.blocks[2].text.endswith("形づくっていくのですね。")


def test_trailing_comment_line_is_dropped_and_noted(issue: Issue) -> None:
    assert not any("コメント" in text for text in _all_text(issue))
    dropped = [n for n in issue.notes if n.kind is NoteKind.DROPPED]
    assert len(dropped) == 1
    assert "コメント" in dropped[0].message
    assert dropped[0].line == 44
    assert not [n for n in issue.notes if n.kind is NoteKind.WARNING]


def test_topic_sub_headings_and_bullets(issue: Issue) -> None:
    topic = issue.section("topic")
    assert topic is not None
    blocks = topic.items[0].blocks
    assert [b.text for b in blocks if b.kind is BlockKind.SUBHEADING] == [
        "CoreWeaveとは?",
        "なぜ今、需要が集中?",
        "日本への示唆",
        "まとめ",
    ]
    assert [b.text for b in blocks if b.kind is BlockKind.BULLET] == [
        "事業モデル:Nvidia GPUを大量搭載したデータセンターを構築し、AI向けに“貸し出す”ビジネス。",
        "“ネオクラウド”と呼ばれる理由:AWSやAzureと違い、AI特化のインフラに集中。",
        "顧客:生成AIの巨人たち(OpenAI、Meta)と次々に大型契約を締結。",
    ]
    # The bullets sit under their sub-heading, and まとめ is followed by six paragraphs.
    kinds = [b.kind for b in blocks]
    assert kinds[1:5] == [BlockKind.SUBHEADING] + [BlockKind.BULLET] * 3
    assert kinds[-7:] == [BlockKind.SUBHEADING] + [BlockKind.PARAGRAPH] * 6


def test_article_bullets_follow_the_colon_paragraph(issue: Issue) -> None:
    articles = issue.section("articles")
    assert articles is not None
    blocks = articles.items[0].blocks
    assert blocks[0].kind is BlockKind.PARAGRAPH  # ends in ":" so it is no sub-heading
    assert blocks[0].text.endswith("ポイントは以下の通り:")
    assert [b.kind for b in blocks[1:5]] == [BlockKind.BULLET] * 4
    assert (
        blocks[3].text
        == "「Trump Rx」という直販サイトを立ち上げ、保険を使わない場合も割引価格で販売予定。"
    )
    assert [b.kind for b in blocks[5:]] == [BlockKind.PARAGRAPH] * 2


def test_bold_spans_including_ones_that_cross_sentences(issue: Issue) -> None:
    bold = [
        span.text
        for section in issue.sections
        for item in section.items
        for block in item.blocks
        for span in block.spans
        if span.bold
    ]
    assert bold == [
        "“ネオクラウド”",
        "外部の高速インフラに“丸投げ”",
        "「誰がどのGPUを握るか」が最大のボトルネックになっていることを浮き彫りにしました。"
        "Nvidiaの供給が限られるなか、CoreWeaveのようにNvidiaとの強固な関係を築き、"
        "GPUを押さえ込む事業者",
        "“使いやすさとスケーラビリティ”で世界を席巻しました。今、生成AI時代のクラウドでは、"
        "“GPU確保力とAI特化最適化”",
        "「作れる人」より「走れる環境を持つ人」",
    ]
    assert not any("**" in text for text in _all_text(issue))


def test_every_source_line_is_kept_once_and_in_order(sample_path: Path, issue: Issue) -> None:
    source = sample_path.read_text(encoding="utf-8").split("\n")
    expected = [
        line.replace("**", "").strip()
        for line in source
        if line.strip() and line.strip() not in ("-", "コメント")
    ]
    assert _all_text(issue) == expected


def test_item_text_is_one_block_a_line(issue: Issue) -> None:
    shorts = issue.section("shorts")
    assert shorts is not None
    assert shorts.items[1].text.startswith("1983年から放送され")
    topic = issue.section("topic")
    assert topic is not None
    assert len(topic.items[0].text.split("\n")) == len(topic.items[0].blocks)


def test_parse_issue_on_bytes_matches_load_issue(
    sample_path: Path, profile: Profile, issue: Issue
) -> None:
    again = parse_issue(sample_path.read_bytes(), name=str(sample_path), profile=profile)
    assert again == issue
