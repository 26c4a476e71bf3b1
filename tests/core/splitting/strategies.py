"""Generated issues, platform-like measures and the splitter's invariants, for the tests.

The measures imitate the two platforms: LINE counts UTF-16 code units; Slack counts mrkdwn,
where ``&<>`` are escaped, bold is wrapped in ``*``, a link becomes ``<url|text>`` and a
bullet gets a marker, so cutting a bold span or a link costs extra characters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

import regex
from hypothesis import strategies as st

from core.model import Block, BlockKind, Issue, IssueRef, Item, Post, Section, Span, plain
from core.splitting import Limits, url_spans, utf16_len
from core.splitting.limits import plain_measure

# Pieces of text that exercise every level of the splitter.
JAPANESE = [
    "AIインフラの新星が、巨額の契約を発表しました。",
    "市場は即座に反応し、株価は11.7%高と急伸しました！",
    "なぜ今、需要が集中？",
    "「これは本です。」と彼は言った。",
    "句読点のない非常に長い日本語の文章がずっと続いていて読み手はどこで息をつけばよいのか分からない",
    "（注）詳しくは後述。",
    "復活!新ホスト",
]
ENGLISH = [
    "Dr. Smith went to Washington.",
    "This is fine, e.g. for tests.",
    "Version 1.2.3 shipped on 3.14 days!",
    "Really? Yes.",
    "the quick brown fox jumps over the lazy dog",
    "AT&T <b> & friends",
]
EMOJI = ["👩‍👩‍👧‍👦", "🇯🇵", "🇺🇸", "e\u0301", "👍🏽", "🚀"]
URLS = [
    "https://example.com/a/b?x=1&y=2",
    "https://ja.wikipedia.org/wiki/日本",
    "www.rust-lang.org",
]
LONG = ["x" * 120, "ア" * 90, "🇯🇵" * 40]

_token = st.one_of(
    st.sampled_from(JAPANESE),
    st.sampled_from(ENGLISH),
    st.sampled_from(EMOJI),
    st.sampled_from(URLS),
    st.sampled_from(LONG),
    st.text(alphabet="abcあいう漢字 .。", min_size=1, max_size=12),
)


@st.composite
def texts(draw: st.DrawFn, max_tokens: int = 6) -> str:
    tokens = draw(st.lists(_token, min_size=1, max_size=max_tokens))
    joiner = draw(st.sampled_from(["", " "]))
    return joiner.join(tokens)


@st.composite
def spans(draw: st.DrawFn) -> tuple[Span, ...]:
    out: list[Span] = []
    for _ in range(draw(st.integers(1, 4))):
        text = draw(texts())
        style = draw(st.sampled_from(["plain", "plain", "bold", "link", "code", "italic"]))
        if style == "link":
            href = draw(st.sampled_from(["https://example.com/x", "https://t.co/a?b=1&c=2"]))
            out.append(Span(text, href=href))
        else:
            out.append(
                Span(text, bold=style == "bold", code=style == "code", italic=style == "italic")
            )
    return tuple(out)


@st.composite
def blocks(draw: st.DrawFn) -> Block:
    kind = draw(st.sampled_from(list(BlockKind)))
    ordinal = draw(st.none() | st.integers(1, 20)) if kind is BlockKind.BULLET else None
    depth = draw(st.integers(0, 2)) if kind is BlockKind.BULLET else 0
    return Block(kind, draw(spans()), depth=depth, ordinal=ordinal)


@st.composite
def items(draw: st.DrawFn) -> Item:
    headline = draw(st.none() | spans())
    return Item(headline, tuple(draw(st.lists(blocks(), max_size=6))))


@st.composite
def issues(draw: st.DrawFn) -> Issue:
    sections = tuple(
        Section(f"s{i}", f"Section {i}", tuple(draw(st.lists(items(), min_size=1, max_size=3))))
        for i in range(draw(st.integers(1, 2)))
    )
    return Issue(sections=sections, number=1, title="Generated")


def utf16_measure(headline: tuple[Span, ...] | None, body: Sequence[Block]) -> int:
    """LINE-like: UTF-16 code units of the plain text, a newline between blocks."""
    size = utf16_len(plain(headline)) if headline else 0
    return size + sum(utf16_len(block.text) + 1 for block in body)


def _mrkdwn(spans: Sequence[Span]) -> str:
    out = []
    for span in spans:
        text = span.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if span.href:
            text = f"<{span.href}|{text}>"
        if span.bold:
            text = f"*{text}*"
        if span.code:
            text = f"`{text}`"
        out.append(text)
    return "".join(out)


def slack_measure(headline: tuple[Span, ...] | None, body: Sequence[Block]) -> int:
    """Slack-like: mrkdwn after escaping, bullets marked, headline bold on its own line."""
    size = len(_mrkdwn(headline)) + 3 if headline else 0
    for block in body:
        marker = "    " * block.depth + "• " if block.kind is BlockKind.BULLET else ""
        size += len(marker) + len(_mrkdwn(block.spans)) + 1
    return size


MEASURES = {"plain": plain_measure, "utf16": utf16_measure, "slack": slack_measure}


@st.composite
def limits(draw: st.DrawFn) -> Limits:
    measure = draw(st.sampled_from(sorted(MEASURES)))
    max_size = draw(st.integers(50, 300) | st.integers(301, 5000))
    max_block = draw(st.none() | st.integers(max(45, max_size // 3), max_size))
    target = draw(st.integers(30, 1200))
    return Limits(measure, max_size, MEASURES[measure], target, max_block)


_SPACE = regex.compile(r"\s+")
_GRAPHEME = regex.compile(r"\X")


def squeeze(text: str) -> str:
    return _SPACE.sub("", text)  # type: ignore[no-any-return]


def check_posts(issue: Issue, posts: Sequence[Post], limits: Limits) -> None:
    """Assert every invariant the splitter promises for these posts of this issue."""
    by_section: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        by_section[post.section_key].append(post)
    keys = [post.section_key for post in posts]
    assert keys == sorted(keys, key=[s.key for s in issue.sections].index), "sections in order"
    for post in posts:
        assert post.platform == limits.platform
        assert limits.measure(post.headline, post.blocks) <= limits.max_size, post
        assert post.blocks or post.headline, "no empty post"
        for block in post.blocks:
            assert block.text.strip(), "no blank block"
            if limits.max_block_size is not None:
                assert limits.measure(None, [block]) <= limits.max_block_size, block
    for section in issue.sections:
        _check_section(section, by_section.get(section.key, []), limits)


def _check_section(section: Section, posts: list[Post], limits: Limits) -> None:
    original = "".join((item.title or "") + item.text for item in section.items)
    assert squeeze("".join(post.text for post in posts)) == squeeze(original), section.key
    by_item: dict[int, list[Post]] = defaultdict(list)
    for post in posts:
        assert post.section_title == section.title
        by_item[post.item].append(post)
    assert [post.item for post in posts] == sorted(post.item for post in posts)
    for index, parts in by_item.items():
        item = section.items[index]
        assert [p.part for p in parts] == list(range(1, len(parts) + 1))
        assert all(p.parts == len(parts) for p in parts)
        assert all(p.headline is None for p in parts[1:]), "headline only on part 1"
        title = squeeze(item.title or "")
        if title:
            assert parts[0].headline is not None
            assert title.startswith(squeeze(plain(parts[0].headline)))
    _check_cuts(section, posts, limits)


def _check_cuts(section: Section, posts: list[Post], limits: Limits) -> None:
    """No cut inside a grapheme cluster, nor inside a link, bold span or URL that fits alone."""
    whole = ""
    squeezed_length = 0  # len(squeeze(whole)), kept as whole grows: squeezing is per character
    protected: list[tuple[int, int]] = []
    starts = set()  # every block begins a piece of text (a mark there joins nothing before)
    for item in section.items:
        starts.add(squeezed_length)
        headline = plain(item.headline) if item.headline else ""
        whole += headline
        squeezed_length += len(squeeze(headline))
        for block in item.blocks:
            whole += "\n"
            starts.add(squeezed_length)
            for span in block.spans:
                atoms = [(0, len(span.text))] if span.href or span.bold or span.code else []
                atoms += [] if span.href else url_spans(span.text)
                for a, z in atoms:
                    # a URL's last letter may carry a combining mark: the reader's atom ends
                    # with the whole grapheme cluster
                    z = max(
                        (m.end() for m in _GRAPHEME.finditer(span.text) if m.start() < z),
                        default=z,
                    )
                    alone = replace(block, spans=(replace(span, text=span.text[a:z]),))
                    size = limits.measure(None, [alone])
                    if size <= min(limits.max_size, limits.max_block_size or size):
                        start = squeezed_length + len(squeeze(span.text[:a]))
                        protected.append((start, start + len(squeeze(span.text[a:z]))))
                whole += span.text
                squeezed_length += len(squeeze(span.text))
    squeezed = squeeze(whole)
    assert len(squeezed) == squeezed_length
    boundaries = {0, *starts}
    for match in _GRAPHEME.finditer(squeezed):
        boundaries.add(match.end())
    cut = 0
    for post in posts:
        for piece in [
            _newsletter_text(post.headline) if post.headline else "",
            *(_newsletter_text(b.spans) for b in post.blocks),
        ]:
            cut += len(squeeze(piece))
            assert cut in boundaries, (
                f"cut inside a grapheme cluster at {squeezed[cut - 3 : cut + 3]!r}"
            )
            for a, z in protected:
                assert not a < cut < z, f"cut inside {squeezed[a:z]!r}"


def _newsletter_text(spans: Sequence[Span]) -> str:
    """A post's text without the addresses it carries for links too long to be links."""
    return "".join(span.text for span in spans if not span.carried)


def ref() -> IssueRef:
    return IssueRef(number=1, title=None, date=None)
