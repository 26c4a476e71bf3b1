"""The assembler on element streams: the contract every reader (an HTML feed's too) relies on."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import ContentError
from core.model import Block, BlockKind, Item, NoteKind, ParseNote, Span
from core.parsing import BlockElement, Element, HeadingElement, IssueMeta, assemble
from core.profile import Profile


def h(level: int, text: str, line: int | None = None) -> HeadingElement:
    return HeadingElement(level, (Span(text),), line)


def p(text: str, line: int | None = None) -> BlockElement:
    return BlockElement(BlockKind.PARAGRAPH, (Span(text),), line)


def outline(elements: list[Element], profile: Profile) -> list[tuple[str, list[str | None]]]:
    issue = assemble(elements, profile)
    return [(s.key, [i.title for i in s.items]) for s in issue.sections]


def test_profile_sections_items_and_sub_headings(profile: Profile) -> None:
    issue = assemble(
        [h(1, "トピック"), h(2, "🚀 A"), p("a"), h(3, "まとめ"), p("b"), h(1, "編集後記"), p("c")],
        profile,
        meta=IssueMeta(number=3, title="第3号", date=date(2025, 10, 18)),
    )
    assert (issue.number, issue.title, issue.date) == (3, "第3号", date(2025, 10, 18))
    topic, afterword = issue.sections
    assert topic.items == (
        Item(
            (Span("🚀 A"),),
            (
                Block(BlockKind.PARAGRAPH, (Span("a"),)),
                Block(BlockKind.SUBHEADING, (Span("まとめ"),)),
                Block(BlockKind.PARAGRAPH, (Span("b"),)),
            ),
        ),
    )
    assert afterword.items == (Item(None, (Block(BlockKind.PARAGRAPH, (Span("c"),)),)),)


def test_headlines_false_turns_every_heading_into_a_sub_heading(profile: Profile) -> None:
    issue = assemble([h(2, "編集後記"), h(3, "余談"), p("x"), h(4, "さらに"), p("y")], profile)
    (item,) = issue.sections[0].items
    assert item.headline is None
    assert [b.kind for b in item.blocks] == [
        BlockKind.SUBHEADING,
        BlockKind.PARAGRAPH,
        BlockKind.SUBHEADING,
        BlockKind.PARAGRAPH,
    ]


def test_item_level_is_the_shallowest_heading_inside_each_section() -> None:
    # deno-weekly: "## release" with "###" parts; another "##" with only "####" parts.
    elements: list[Element] = [
        h(2, "Deno v2"),
        p("lead"),
        h(3, "deno add"),
        h(4, "--no-save"),
        p("x"),
        h(2, "Other"),
        h(4, "Only deep"),
        p("y"),
    ]
    assert outline(elements, Profile.default()) == [
        ("deno-v2", [None, "deno add"]),
        ("other", ["Only deep"]),
    ]


def test_top_level_is_the_first_heading_or_a_repeated_shallower_one() -> None:
    jser: list[Element] = [
        p("lead"),
        h(2, "お知らせ"),
        p("n"),
        h(1, "ヘッドライン"),
        h(2, "A"),
        h(1, "アーティクル"),
        h(2, "B"),
    ]
    assert outline(jser, Profile.default()) == [
        ("intro", [None, "お知らせ"]),
        ("ヘッドライン", ["A"]),
        ("アーティクル", ["B"]),
    ]
    twir: list[Element] = [h(2, "Updates"), h(3, "Official"), p("x"), h(1, "Quote"), p("q")]
    assert outline(twir, Profile.default()) == [("updates", ["Official"]), ("quote", [None])]


def test_trailing_boilerplate_is_dropped_from_any_stream(profile: Profile) -> None:
    issue = assemble([h(1, "編集後記"), p("本文", 2), p("コメント", 9)], profile)
    assert issue.sections[0].items[0].text == "本文"
    assert [(n.kind, n.line) for n in issue.notes] == [(NoteKind.DROPPED, 9)]


def test_reader_notes_are_kept_first(profile: Profile) -> None:
    note = ParseNote(NoteKind.WARNING, "feed entry had no date")
    issue = assemble([p("本文")], profile, notes=[note])
    assert issue.notes[0] == note
    assert issue.notes[1].message.startswith("no headings")


def test_empty_headings_and_blank_blocks_are_ignored(profile: Profile) -> None:
    issue = assemble([h(1, "トピック"), h(2, "  "), p(" "), h(2, "🚀 A"), p("a")], profile)
    assert [i.title for i in issue.sections[0].items] == ["🚀 A"]


@pytest.mark.parametrize("elements", [[], [p("   ")], [p("コメント")]])
def test_nothing_to_say_is_an_error(elements: list[Element], profile: Profile) -> None:
    with pytest.raises(ContentError, match=r"feed\.xml#3: has no content"):
        assemble(elements, profile, source="feed.xml#3")
