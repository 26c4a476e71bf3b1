"""Issues built by hand for the storage tests (the parser is not under test here)."""

from __future__ import annotations

from datetime import date

from core.model import Block, BlockKind, Issue, Item, Section, Span


def paragraph(text: str) -> Block:
    return Block(BlockKind.PARAGRAPH, (Span(text),))


def item(title: str | None, *paragraphs: str) -> Item:
    headline = (Span(title),) if title is not None else None
    return Item(headline=headline, blocks=tuple(paragraph(p) for p in paragraphs))


def sample_issue(
    day: date = date(2025, 10, 4), *, number: int | None = None, title: str | None = None
) -> Issue:
    """A small issue shaped like the sample newsletter (Japanese, four sections)."""
    return Issue(
        number=number,
        title=title or f"週刊ビジネスレター {day:%Y-%m-%d}",
        date=day,
        sections=(
            Section(
                "topic",
                "トピック",
                (
                    item(
                        "🚀 CoreWeave、Metaとの巨額契約で株価急騰",
                        "AIインフラの“新星”CoreWeaveが、Metaとの142億ドル規模の契約を発表しました。",
                        "市場は即座に反応し、株価は11.7%高と急伸しました。",
                    ),
                ),
            ),
            Section(
                "articles",
                "気になった記事",
                (
                    item(
                        "📈 米国の関税政策と日本企業",
                        "関税の引き上げが輸出企業の業績を圧迫しています。",
                    ),
                ),
            ),
            Section(
                "shorts",
                "小ネタ2本",
                (
                    item("💊 薬価改定の行方", "来年度の薬価改定で、新薬の価格はどうなるのか。"),
                    item("☕ 100% Arabica_blend", 'Price: 50% off [today] "only" *really*'),
                ),
            ),
            Section(
                "afterword",
                "編集後記",
                (item(None, "今週もお読みいただきありがとうございました。"),),
            ),
        ),
    )
