"""The HTML reader: pages and feed bodies get the structure the text and Markdown readers give.

The sample issue as a real-looking web page (site header, share buttons, comment widget,
sidebar) parses to the same sections, items and blocks as the plain-text file; every JSer.info
and 週刊Deno issue rendered to HTML by markdown-it-py parses to the same sections and items as
its Markdown source.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ContentError
from core.model import BlockKind, Issue, Span
from core.parsing import load_issue, parse_issue
from core.parsing.elements import IssueMeta
from core.parsing.html import parse_html, read_html
from core.profile import Profile
from tests.core.feeds.documents import FURNITURE_TEXTS, markdown_html, sample_page

CORPORA = Path(__file__).resolve().parents[3].parent / "shared" / "corpora"
HTML_SETS = ("jser/posts/*.md", "deno-weekly/articles/**/*.md")
CORPUS_FILES = sorted(
    str(path.relative_to(CORPORA)) for pattern in HTML_SETS for path in CORPORA.glob(pattern)
)
# Where the rendered page must differ from the Markdown reading, and why.
KNOWN_DIFFERENCES = {
    # A "Tweet #jserinfo" share button: page furniture on the web page, dropped on purpose.
    "jser/posts/2014-10-14-chrome38-es6to5.md": "share button",
    "jser/posts/2014-10-27-webstorm9-eslint-atscript.md": "share button",
    "jser/posts/2015-08-26-update-logo.md": "share button",
    # A "Follow @jser_info" button (dropped) and a feedly badge whose alt text the Markdown
    # reader never sees (an image inside inline HTML).
    "jser/posts/2017-01-31-bundler-testing-framework-report.md": "follow buttons",
    # Raw HTML that writes `<a>` and `<template>` as text inside code: markdown-it passes it
    # through, so on the page they are real elements that swallow what follows, in a
    # browser as here.
    "jser/posts/2017-01-30-safari-10.1-firefox51.0-type-refactoring.md": "broken raw HTML",
    "jser/posts/2017-03-19-jquery-3.2.0-sinon.js-2.0-testdouble.js-2.0-reactreduxcrud.md": (
        "broken raw HTML"
    ),
}


def html(markup: str, profile: Profile | None = None) -> Issue:
    return parse_html(markup, name="page.html", profile=profile or Profile.default())


def shape(issue: Issue) -> list[tuple[str, str, list[tuple[str | None, str]]]]:
    """Sections and items, white space ignored (a page collapses it, Markdown keeps it)."""
    return [
        (
            section.key,
            section.title,
            [
                ("".join((i.title or "").split()) or None, "".join(i.text.split()))
                for i in section.items
            ],
        )
        for section in issue.sections
    ]


def texts(issue: Issue) -> str:
    return "\n".join(
        f"{item.title or ''}\n{item.text}" for section in issue.sections for item in section.items
    )


@pytest.mark.parametrize("semantic", [True, False], ids=["headings", "paragraphs"])
def test_sample_page_matches_the_plain_text_issue(
    semantic: bool, sample_path: Path, profile: Profile
) -> None:
    expected = load_issue(sample_path, profile)
    page = html(sample_page(profile, semantic=semantic), profile)
    assert [(s.key, s.title) for s in page.sections] == [
        (s.key, s.title) for s in expected.sections
    ]
    for ours, theirs in zip(page.sections, expected.sections, strict=True):
        for a, b in zip(ours.items, theirs.items, strict=True):
            assert a.headline == b.headline
            assert a.blocks == b.blocks  # kinds, bold spans, bullets, sub-headings


@pytest.mark.parametrize("semantic", [True, False], ids=["headings", "paragraphs"])
def test_sample_page_furniture_never_reaches_readers(semantic: bool, profile: Profile) -> None:
    page = html(sample_page(profile, semantic=semantic), profile)
    everything = texts(page) + "".join(s.title for s in page.sections)
    for furniture in FURNITURE_TEXTS:
        assert furniture not in everything
    assert "コメント" not in [s.title for s in page.sections]


@pytest.mark.parametrize("relative", CORPUS_FILES)
def test_corpus_issue_as_html_matches_its_markdown(relative: str, corpora: Path) -> None:
    path = corpora / relative
    markdown = load_issue(path, Profile.default())
    page = parse_html(
        markdown_html(path),
        name=relative,
        profile=Profile.default(),
        meta=IssueMeta(title=markdown.title, date=markdown.date),
    )
    if relative in KNOWN_DIFFERENCES:
        assert shape(page) != shape(markdown), f"{relative} now matches: drop it from the list"
        return
    assert shape(page) == shape(markdown)


def test_corpus_is_all_there(corpora: Path) -> None:
    assert len(CORPUS_FILES) == 223
    assert set(KNOWN_DIFFERENCES) <= set(CORPUS_FILES)


def test_share_buttons_in_an_issue_are_dropped(corpora: Path) -> None:
    path = corpora / "jser/posts/2014-10-14-chrome38-es6to5.md"
    assert "Tweet #jserinfo" in texts(load_issue(path, Profile.default()))
    assert "Tweet #jserinfo" not in texts(html(markdown_html(path)))


def test_inline_styles_links_and_white_space() -> None:
    (block,) = (
        html(
            "<p>Deno <b>v2.9</b> が\n  リリース\nされました。<a href='https://deno.com/'>公式</a>"
            "の<code>deno  add</code>&nbsp;を<br>見て <em>ね</em></p>"
        )
        .sections[0]
        .items[0]
        .blocks
    )
    assert block.spans == (
        Span("Deno "),
        Span("v2.9", bold=True),
        Span(" がリリースされました。"),
        Span("公式", href="https://deno.com/"),
        Span("の"),
        Span("deno add", code=True),
        Span("\xa0を見て "),
        Span("ね", italic=True),
    )


def test_br_between_latin_words_is_a_space_and_bare_urls_become_links() -> None:
    (block,) = html("<p>see<br>https://example.com/x and **this**</p>").sections[0].items[0].blocks
    assert block.text == "see https://example.com/x and this"
    assert Span("https://example.com/x", href="https://example.com/x") in block.spans
    assert Span("this", bold=True) in block.spans


def test_lists_quotes_code_and_tables() -> None:
    issue = html(
        "<h2>Notes</h2>"
        "<ol start='3'><li><p>third</p><p>more about it</p></li>"
        "<li>fourth<ul><li>nested</li></ul></li></ol>"
        "<blockquote><p>quoted</p><ul><li>listed in a quote</li></ul></blockquote>"
        "<pre><code>fn main() {\n    run();\n}\n</code></pre>"
        "<table><tr><th>name</th><th></th><th>value</th></tr><tr><td>a</td><td>1</td></tr></table>"
        "<hr><p>after</p>"
    )
    blocks = [(b.kind, b.text, b.depth, b.ordinal) for b in issue.sections[0].items[0].blocks]
    assert blocks == [
        (BlockKind.BULLET, "third", 0, 3),
        (BlockKind.PARAGRAPH, "more about it", 0, None),
        (BlockKind.BULLET, "fourth", 0, 4),
        (BlockKind.BULLET, "nested", 1, None),
        (BlockKind.QUOTE, "quoted", 0, None),
        (BlockKind.BULLET, "listed in a quote", 0, None),
        (BlockKind.CODE, "fn main() {\n    run();\n}", 0, None),
        (BlockKind.PARAGRAPH, "name | value", 0, None),
        (BlockKind.PARAGRAPH, "a | 1", 0, None),
        (BlockKind.PARAGRAPH, "after", 0, None),
    ]


def test_a_layout_table_is_read_as_the_blocks_in_its_cells() -> None:
    issue = html(
        "<table><tr><td><h2>Topic</h2><p>First paragraph.</p>"
        "<ul><li>a point</li></ul></td></tr></table>"
    )
    assert [s.title for s in issue.sections] == ["Topic"]
    assert [b.kind for b in issue.sections[0].items[0].blocks] == [
        BlockKind.PARAGRAPH,
        BlockKind.BULLET,
    ]


@pytest.mark.parametrize(
    "furniture",
    [
        '<div class="subscription-widget-wrap"><p>Subscribe for free</p></div>',
        '<p class="button-wrapper"><a class="button primary" href="/s">Share</a></p>',
        '<div id="disqus_thread"><p>Disqus comments</p></div>',
        '<div class="o-commentArea"><p>note comments</p></div>',
        '<ul class="related-posts"><li>Older post</li></ul>',
        '<div role="navigation"><a href="/">Top</a></div>',
        '<p hidden>hidden text</p><p style="display: none">invisible</p>',
        "<nav>menu</nav><aside>aside</aside><footer>foot</footer><form>sign up</form>",
        "<script>alert(1)</script><style>p{}</style><noscript>enable js</noscript>",
        '<iframe src="https://example.com/embed">embed</iframe><svg><title>icon</title></svg>',
        '<div class="post-footer__share-buttons"><a href="#">X</a></div>',
        '<div class="adsbygoogle ads">Ad</div>',
    ],
)
def test_page_furniture_is_dropped(furniture: str) -> None:
    issue = html(f"<h2>News</h2><p>Real text.</p>{furniture}<p>More text.</p>")
    assert texts(issue).split() == ["Real", "text.", "More", "text."]


@pytest.mark.parametrize(
    ("content", "kept"),
    [
        ('<p class="jser-tags jser-tag-icon"><span class="jser-tag">Vue</span></p>', "Vue"),
        ('<blockquote class="twitter-tweet"><p>an embedded tweet</p></blockquote>', "tweet"),
        ('<div class="comment"><p>編集部のコメント</p></div>', "編集部のコメント"),
        ('<div class="shared-memory"><p>about shared memory</p></div>', "shared memory"),
        ("<section><header><h3>Inside header</h3></header><p>body</p></section>", "Inside"),
    ],
)
def test_content_that_only_looks_like_furniture_is_kept(content: str, kept: str) -> None:
    issue = html(f"<h2>News</h2>{content}")
    assert kept in texts(issue)


def test_a_header_keeps_only_its_heading() -> None:
    issue = html(
        "<h2>News</h2><section><header><h3>Story</h3><p class='date'>today</p>"
        "<a href='/share'>Share</a></header><p>Body.</p></section>"
    )
    assert [(i.title, i.text) for i in issue.sections[0].items] == [("Story", "Body.")]


def test_a_page_is_narrowed_to_its_article() -> None:
    issue = html(
        "<body><div class='masthead'><h1>Site name</h1></div>"
        "<article><h2>Story</h2><p>Body text.</p></article>"
        "<div class='other'><h2>Elsewhere</h2><p>Not the article.</p></div></body>"
    )
    assert [s.title for s in issue.sections] == ["Story"]
    assert "Not the article." not in texts(issue)


def test_emoji_headlines_written_as_paragraphs_become_items(profile: Profile) -> None:
    issue = html(
        "<h2>小ネタ2本</h2>"
        "<p>🎬 映画関税にチームスターズが支持表明</p><p>米映画・TV業界の労働組合が支持。</p>"
        "<p>📚 「Reading Rainbow」復活!</p><p>伝説的な読書番組が約20年ぶりに復活。</p>"
        "<h2>編集後記</h2><p>🙏 今週もありがとうございました。</p>",
        profile,
    )
    shorts, afterword = issue.sections
    assert shorts.key == "shorts"
    assert [i.title for i in shorts.items] == [
        "🎬 映画関税にチームスターズが支持表明",
        "📚 「Reading Rainbow」復活!",
    ]
    assert afterword.key == "afterword"
    assert [(i.title, i.text) for i in afterword.items] == [
        (None, "🙏 今週もありがとうございました。")
    ]


def test_sections_named_only_in_bold_paragraphs(profile: Profile) -> None:
    issue = html(
        "<p><strong>トピック</strong></p><p>🚀 見出し</p><p>本文です。</p>"
        "<p><strong>編集後記</strong></p><p>また来週。</p>",
        profile,
    )
    assert [(s.key, [i.title for i in s.items]) for s in issue.sections] == [
        ("topic", ["🚀 見出し"]),
        ("afterword", [None]),
    ]


def test_a_lone_h1_is_the_title_in_either_reading(profile: Profile) -> None:
    issue = html("<h1>週刊 42号</h1><h2>トピック</h2><p>🚀 見出し</p><p>本文。</p>", profile)
    assert issue.title == "週刊 42号"
    assert [(s.key, [i.title for i in s.items]) for s in issue.sections] == [
        ("topic", ["🚀 見出し"])
    ]


def test_markdown_structure_wins_when_the_page_has_item_headings() -> None:
    elements = read_html(
        "<h2>Section</h2><h3>🚀 Item</h3><p>🎉 not a headline</p>", Profile.default()
    )
    assert [type(e).__name__ for e in elements] == [
        "HeadingElement",
        "HeadingElement",
        "BlockElement",
    ]


def test_a_page_of_nothing_but_furniture_is_a_clear_error() -> None:
    with pytest.raises(ContentError, match=r"page\.html: has no content"):
        html("<nav>Home</nav><div class='share'>Share</div><footer>©</footer>")


def test_same_issue_from_markdown_and_from_its_html(profile: Profile) -> None:
    text = "## トピック\n\n### 🚀 Title\n\nBody with **bold** and [a link](https://x.test/).\n"
    from_markdown = parse_issue(text.encode(), name="x.md", profile=profile)
    from_html = html(markdown_html_text(text), profile)
    assert from_html.sections == from_markdown.sections


def markdown_html_text(text: str) -> str:
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark").render(text))


def test_relative_links_resolve_against_the_page_and_scripts_are_no_links() -> None:
    issue = parse_html(
        "<p><a href='/2025/10/04/'>先週号</a>と<a href='javascript:share()'>共有</a>"
        "と<a href='https://other.example/x'>外部</a></p>",
        name="entry",
        profile=Profile.default(),
        base="https://letter.example/2025/10/11/",
    )
    (block,) = issue.sections[0].items[0].blocks
    assert block.spans == (
        Span("先週号", href="https://letter.example/2025/10/04/"),
        Span("と共有と"),
        Span("外部", href="https://other.example/x"),
    )
    page = "<head><base href='https://cdn.example/letter/'></head><p><a href='a.html'>a</a></p>"
    (block,) = html(page).sections[0].items[0].blocks
    assert block.spans == (Span("a", href="https://cdn.example/letter/a.html"),)
