"""Properties of the splitter over generated issues and limits (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.model import Block, BlockKind, Issue, Item, Section, Span
from core.splitting import Limits, graphemes, phrases, sentences, split_issue
from core.splitting.limits import plain_measure
from tests.core.splitting.strategies import check_posts, issues, limits, slack_measure, texts

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Generating an issue and splitting it takes ~20 ms: 150 new ones a run (each run draws others;
# what a run finds is kept below as an @example) instead of 300 halves the suite's slowest
# CPU-bound test.
ISSUE_SETTINGS = settings(SETTINGS, max_examples=150)


# Found by hypothesis: a URL whose last letter carries a combining mark, one over the limit.
URL_WITH_A_MARK = Issue(
    sections=(
        Section(
            key="s0",
            title="Section 0",
            items=(
                Item(
                    headline=None,
                    blocks=(
                        Block(
                            BlockKind.PARAGRAPH,
                            (Span("https://example.com/a/b?x=1&y=2www.rust-lang.orge\u0301"),),
                        ),
                    ),
                ),
            ),
        ),
    ),
    number=1,
    title="Generated",
)

# Found by hypothesis: a link whose text is one space, at the end of a paragraph, made a post
# too big to end anywhere gentle (a cut inside the bold span before it; or no cut at all).
NEWS = "AIインフラの新星が、巨額の契約を発表しました。"
SPACE_LINK = Span(" ", href="https://example.com/x")


def _paragraphs(*spans: tuple[Span, ...]) -> Issue:
    blocks = tuple(Block(BlockKind.PARAGRAPH, s) for s in spans)
    item = Item(headline=None, blocks=blocks)
    return Issue(sections=(Section("s0", "Section 0", (item,)),), number=1, title="Generated")


LINKED_SPACE_AFTER_BOLD = _paragraphs(
    (Span(NEWS),), (Span(NEWS), Span(NEWS), Span(NEWS, bold=True), SPACE_LINK)
)
LINKED_SPACE_AFTER_LINK = _paragraphs(
    (Span(NEWS),), (Span(NEWS), Span(NEWS), Span(NEWS, href=SPACE_LINK.href), SPACE_LINK)
)
SLACK_50 = Limits("slack", 50, slack_measure, target_chars=30)
# A linked headline too long for a post, with an emoji family (7 code points) just where the
# first post runs out: the link is cut, but never inside the family.
_SENTENCE = "AIインフラの新星が、巨額の契約を発表しました。"
FAMILY_IN_A_LONG_LINK = Issue(
    sections=(
        Section(
            key="s0",
            title="Section 0",
            items=(
                Item(
                    headline=(
                        Span(
                            _SENTENCE * 2 + "👩\u200d👩\u200d👧\u200d👦" + _SENTENCE * 2,
                            href="https://example.com/x",
                        ),
                    ),
                    blocks=(),
                ),
            ),
        ),
    ),
    number=1,
    title="Generated",
)


@ISSUE_SETTINGS
@given(issue=issues(), limits_=limits())
@example(issue=URL_WITH_A_MARK, limits_=Limits("plain", 50, plain_measure, target_chars=30))
@example(issue=LINKED_SPACE_AFTER_BOLD, limits_=SLACK_50)
@example(issue=LINKED_SPACE_AFTER_LINK, limits_=SLACK_50)
@example(issue=FAMILY_IN_A_LONG_LINK, limits_=Limits("plain", 50, plain_measure, target_chars=30))
def test_every_post_fits_and_nothing_is_lost_or_repeated(issue: Issue, limits_: Limits) -> None:
    check_posts(issue, split_issue(issue, limits_), limits_)


@SETTINGS
@given(text=texts(max_tokens=12) | st.text())
def test_segmenters_give_the_text_back(text: str) -> None:
    for segment in (sentences, phrases, graphemes):
        assert "".join(segment(text)) == text
