"""The digest excerpt keeps its inline styles, so renderers can show bold where the issue had it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.model import Block, BlockKind, Span
from core.overview import excerpt, excerpt_spans

_spans = st.lists(
    st.builds(Span, text=st.text(alphabet=" \n\taあ*b", max_size=12), bold=st.booleans()),
    max_size=4,
)
_blocks = st.lists(
    st.builds(Block, kind=st.just(BlockKind.PARAGRAPH), spans=_spans.map(tuple)), max_size=4
)


@given(blocks=_blocks, limit=st.integers(min_value=2, max_value=40))
def test_spans_spell_exactly_the_excerpt(blocks: list[Block], limit: int) -> None:
    text = "\n".join(block.text for block in blocks)
    spans = excerpt_spans(blocks, limit)
    assert "".join(span.text for span in spans) == excerpt(text, limit)


def test_bold_survives_and_the_ellipsis_is_plain() -> None:
    block = Block(
        BlockKind.PARAGRAPH,
        (Span("AIの覇権争いで "), Span("誰がGPUを握るか", bold=True), Span(" が鍵" * 40)),
    )
    spans = excerpt_spans([block], 30)
    assert [s.text for s in spans if s.bold] == ["誰がGPUを握るか"]
    assert spans[-1].text.endswith("…") and not spans[-1].bold


def test_a_linked_headline_is_one_link_in_the_excerpt() -> None:
    url = "https://example.com/" + "a" * 200
    block = Block(
        BlockKind.PARAGRAPH,
        (Span("Read "), Span("the whole story about the new compiler", href=url), Span(" now.")),
    )
    spans = excerpt_spans([block], 30)
    [linked] = [s for s in spans if s.href]  # one link, its spaces inside it
    assert linked.text == "the whole story about th" and linked.href == url
