"""Sentence, phrase, grapheme and URL segmentation on Japanese and English edge cases."""

from __future__ import annotations

import pytest

from core.splitting import graphemes, phrases, sentences, url_spans
from core.splitting.sentences import phrase_bounds, sentence_bounds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "IPOから半年で契約。市場は反応し、株価は11.7%高と急伸しました。",
            ["IPOから半年で契約。", "市場は反応し、株価は11.7%高と急伸しました。"],
        ),
        ("本当ですか？はい！そうです。", ["本当ですか？", "はい！", "そうです。"]),
        ("彼は「行く。」と言った。次へ。", ["彼は「行く。」と言った。", "次へ。"]),
        ("「はい。」そうだ。", ["「はい。」", "そうだ。"]),
        ("注目です（詳細は後述。）次に、", ["注目です（詳細は後述。）", "次に、"]),
        ("『復活！』』新ホスト。", ["『復活！』』", "新ホスト。"]),
        ("まさか！？本当に。", ["まさか！？", "本当に。"]),
        ("復活!新ホストは誰?（笑）", ["復活!", "新ホストは誰?", "（笑）"]),
        ("Yahoo!ニュースで見た。", ["Yahoo!ニュースで見た。"]),
        ("半角｡で終わる｡次", ["半角｡", "で終わる｡", "次"]),
        ("値は１．５です．次", ["値は１．５です．", "次"]),
    ],
)
def test_japanese_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "It shipped. Then it broke! Why? Nobody knows.",
            ["It shipped. ", "Then it broke! ", "Why? ", "Nobody knows."],
        ),
        ("Dr. Smith met Mr. Jones. They talked.", ["Dr. Smith met Mr. Jones. ", "They talked."]),
        (
            "Use a map, e.g. a hash map. Or i.e. not.",
            ["Use a map, e.g. a hash map. ", "Or i.e. not."],
        ),
        ("J. R. R. Tolkien wrote it. Done.", ["J. R. R. Tolkien wrote it. ", "Done."]),
        (
            "Pi is 3.14 today. Rust 1.82.0 is out. Yes.",
            ["Pi is 3.14 today. ", "Rust 1.82.0 is out. ", "Yes."],
        ),
        (
            "See https://blog.rust-lang.org/2024/10/17/Rust-1.82.0.html. It is long.",
            ["See https://blog.rust-lang.org/2024/10/17/Rust-1.82.0.html. ", "It is long."],
        ),
        ("Ask https://x.com/?q=a.b now. Fine.", ["Ask https://x.com/?q=a.b now. ", "Fine."]),
        ('He said "stop." She left.', ['He said "stop." ', "She left."]),
        ("(It works.) Next one.", ["(It works.) ", "Next one."]),
        ("Wait... Then what? then nothing.", ["Wait... ", "Then what? ", "then nothing."]),
        ("approx. five people came. ok", ["approx. five people came. ok"]),
        ("The U.S. economy grew. Good.", ["The U.S. economy grew. ", "Good."]),
    ],
)
def test_western_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_line_breaks_end_sentences_and_mixed_text_splits_both_ways() -> None:
    text = "CoreWeaveとは?\nNvidia GPUs. 次に、AWSやAzureと違う。Then more."
    assert sentences(text) == [
        "CoreWeaveとは?\n",
        "Nvidia GPUs. ",
        "次に、AWSやAzureと違う。",
        "Then more.",
    ]


def test_no_boundary_at_the_ends_or_for_empty_text() -> None:
    assert sentence_bounds("") == []
    assert sentence_bounds("終わり。") == []
    assert sentences("") == []
    assert sentences("   ") == ["   "]


def test_japanese_phrases_come_from_budoux_and_english_from_words() -> None:
    assert phrases("今回の契約は、単なるインフラ調達以上の意味を持ちます。") == [
        "今回の",
        "契約は、",
        "単なる",
        "インフラ調達以上の",
        "意味を",
        "持ちます。",
    ]
    assert phrases("the quick  brown fox") == ["the ", "quick  ", "brown ", "fox"]
    assert phrase_bounds("x" * 50) == []


def test_graphemes_keep_zwj_sequences_flags_and_accents_whole() -> None:
    family = "👩\u200d👩\u200d👧\u200d👦"
    assert graphemes(f"a{family}🇯🇵🇺🇸e\u0301👍🏽") == ["a", family, "🇯🇵", "🇺🇸", "e\u0301", "👍🏽"]


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("詳しくはhttps://example.com/a?b=1&c=2を参照。", ["https://example.com/a?b=1&c=2"]),
        ("See https://example.com/a. Next", ["https://example.com/a"]),
        (
            "(https://en.wikipedia.org/wiki/Rust_(language))",
            ["https://en.wikipedia.org/wiki/Rust_(language)"],
        ),
        ("(see https://example.com/x)", ["https://example.com/x"]),
        ("「https://example.jp/」と", ["https://example.jp/"]),
        ("https://ja.wikipedia.org/wiki/日本の記事", ["https://ja.wikipedia.org/wiki/日本の記事"]),
        ("https://example.com/docsを見て", ["https://example.com/docs"]),
        ("visit www.rust-lang.org, now", ["www.rust-lang.org"]),
        ("no url here: http:// nor https", []),
    ],
)
def test_bare_urls_are_found_without_trailing_punctuation(text: str, urls: list[str]) -> None:
    assert [text[a:z] for a, z in url_spans(text)] == urls
