"""Keyword search across issues: Japanese of any length, English, and hostile input."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.clock import FixedClock
from core.model import Issue, Section
from core.serialize import content_hash
from core.storage import IssueRepository
from core.storage.database import Database
from core.storage.search import query_mistake
from tests.core.storage.helpers import item, sample_issue

NOW = datetime(2025, 10, 10, tzinfo=UTC)


async def put(repo: IssueRepository, issue: Issue, key: str) -> None:
    publish_at = datetime(issue.date.year, issue.date.month, issue.date.day, tzinfo=UTC)  # type: ignore[union-attr]
    await repo.store(
        issue,
        source_key=key,
        content_hash=content_hash(issue),
        fmt="text",
        publish_at=publish_at if issue.date else None,
    )


@pytest.fixture
async def repo(database: Database) -> IssueRepository:
    repo = IssueRepository(database, clock=FixedClock(NOW))
    await put(repo, sample_issue(date(2025, 9, 27)), "issues/2025-09-27.txt")
    english = Issue(
        date=date(2025, 10, 4),
        title="This Week in Rust 600",
        sections=(
            Section(
                "updates",
                "Updates from Rust Community",
                (
                    item("Announcing Rust 1.90", "The Rust team is happy to announce Rust 1.90."),
                    item("Async closures", 'Use "async || {}" with 100% less boxing.'),
                ),
            ),
        ),
    )
    await put(repo, english, "issues/2025-10-04.md")
    await put(repo, sample_issue(date(2025, 10, 11)), "issues/2025-10-11.txt")
    return repo


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("薬価", "💊 薬価改定の行方"),  # two characters: no trigram, LIKE fallback
        ("関税", "📈 米国の関税政策と日本企業"),
        ("CoreWeave", "🚀 CoreWeave、Metaとの巨額契約で株価急騰"),
        ("株価急騰", "🚀 CoreWeave、Metaとの巨額契約で株価急騰"),
        ("薬価改定", "💊 薬価改定の行方"),
    ],
)
async def test_japanese_and_latin_words_find_their_items(
    repo: IssueRepository, query: str, title: str
) -> None:
    hits = await repo.search(query)
    assert hits, f"{query!r} found nothing"
    assert {h.item_title for h in hits} == {title}
    # Both Japanese issues have it; the newest issue comes first.
    assert [h.number for h in hits] == [3, 1]


async def test_a_hit_says_where_it_is_and_shows_the_match(repo: IssueRepository) -> None:
    hit = (await repo.search("薬価"))[0]
    assert (hit.number, hit.date, hit.section_key, hit.section_title) == (
        3,
        date(2025, 10, 11),
        "shorts",
        "小ネタ2本",
    )
    assert hit.item == 0 and hit.item_title == "💊 薬価改定の行方"
    assert "薬価" in hit.snippet
    assert hit.ref.number == 3


async def test_matching_ignores_case_and_width(repo: IssueRepository) -> None:
    for query in ("coreweave", "COREWEAVE", "ＣｏｒｅＷｅａｖｅ", "ｃｏｒｅｗｅａｖｅ"):
        hits = await repo.search(query)
        assert [h.number for h in hits] == [3, 1], query
    hit = (await repo.search("announcing rust"))[0]
    assert hit.item_title == "Announcing Rust 1.90" and hit.section_key == "updates"


async def test_every_word_must_occur(repo: IssueRepository) -> None:
    assert len(await repo.search("Rust 1.90")) == 1
    assert await repo.search("Rust 薬価") == []
    assert [h.item_title for h in await repo.search("Meta 株価")] == [
        "🚀 CoreWeave、Metaとの巨額契約で株価急騰"
    ] * 2


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "'",
        "%",
        "_",
        "*",
        "AND",
        "OR NOT",
        "NEAR(a b)",
        "a:b",
        "-x",
        "^",
        "(",
        "\\",
        '"only',
        "*really*",
        "[today]",
        "Rust*",
        "rust OR 薬価",
        "{} ||",
    ],
)
async def test_sql_and_fts_syntax_in_a_query_is_just_text(
    repo: IssueRepository, query: str
) -> None:
    # Exactly the items holding the words literally: no error, no match-all, no operators.
    expected = await oracle(repo, query)
    assert [(h.number, h.section_key, h.item) for h in await repo.search(query)] == expected


async def oracle(repo: IssueRepository, query: str) -> list[tuple[int, str, int]]:
    """The items a literal, case- and width-blind substring search finds, newest first."""

    def fold(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    words = fold(query).split()
    found = []
    for stored in reversed(await repo.all_issues()):
        for section in stored.issue.sections:
            for index, entry in enumerate(section.items):
                haystacks = (fold(entry.title or ""), fold(entry.text))
                if all(any(w in h for h in haystacks) for w in words):
                    found.append((stored.number, section.key, index))
    return found[:10] if words else []


async def test_like_wildcards_match_only_themselves(repo: IssueRepository) -> None:
    assert [h.item_title for h in await repo.search("50%")] == ["☕ 100% Arabica_blend"] * 2
    assert [h.item_title for h in await repo.search("Arabica_blend")] == [
        "☕ 100% Arabica_blend"
    ] * 2
    assert await repo.search("Arabica%blend") == []
    assert await repo.search("Arabic__blend") == []
    assert len(await repo.search("100%")) == 3  # the two ☕ items and the async closures item


async def test_quotes_in_a_query_are_searched_for(repo: IssueRepository) -> None:
    hits = await repo.search('"async ||')
    assert [h.item_title for h in hits] == ["Async closures"]
    assert [h.item_title for h in await repo.search('"only"')] == ["☕ 100% Arabica_blend"] * 2


async def test_limit_empty_queries_and_what_is_not_yet_due(repo: IssueRepository) -> None:
    assert await repo.search("") == []
    assert await repo.search("   ") == []
    assert len(await repo.search("CoreWeave", limit=1)) == 1
    # The 2025-10-11 issue is not due at NOW: readers don't find it yet.
    assert [h.number for h in await repo.search("薬価", now=NOW)] == [1]


async def test_snippets_are_short_and_centred_on_the_match(database: Database) -> None:
    repo = IssueRepository(database, clock=FixedClock(NOW))
    long_text = "前置き" * 100 + "ここに薬価の話" + "後書き" * 100
    issue = Issue(
        date=date(2025, 10, 4),
        sections=(Section("topic", "トピック", (item("長い記事", long_text),)),),
    )
    await put(repo, issue, "issues/long.txt")
    snippet = (await repo.search("薬価"))[0].snippet
    assert "薬価" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= 122


@pytest.mark.parametrize(
    "query",
    [
        "Core\x00Weave",
        "\x00",
        "薬価\x00",
        "Core\x1bWeave\x7f",
        "Core\u0085Weave",
        "Core\ud800Weave",
    ],
)
async def test_control_characters_in_a_query_are_spaces_not_errors(
    repo: IssueRepository, query: str
) -> None:
    # A NUL ended the FTS5 string ("unterminated string") and PostgreSQL text can't hold one.
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in query)
    hits = await repo.search(query)
    assert [(h.number, h.section_key, h.item) for h in hits] == await oracle(repo, cleaned)


async def test_a_query_the_database_refuses_is_the_readers_mistake(
    database: Database, tmp_path: Path
) -> None:
    # What query_mistake tells apart, from real errors of each database.
    async with database.reading() as conn:
        if database.dialect == "sqlite":
            bad = text("SELECT rowid FROM issue_items_fts WHERE issue_items_fts MATCH 'a AND'")
        else:
            bad = text("SELECT 'a' LIKE :p ESCAPE 'xx'").bindparams(p="a")
        with pytest.raises(DBAPIError) as refused:
            await conn.execute(bad)
    assert query_mistake(refused.value)
    garbage = tmp_path / "not-a-database.db"
    garbage.write_bytes(b"this is not a database file at all" * 100)
    broken = Database.from_url(
        f"sqlite:///{garbage}"
        if database.dialect == "sqlite"
        else "postgresql://nobody@127.0.0.1:1/none"
    )
    try:
        with pytest.raises(DBAPIError) as down:
            async with broken.reading() as conn:
                await conn.execute(text("SELECT 1"))
        assert not query_mistake(down.value)  # the database being unwell is not the reader's
    finally:
        await broken.dispose()
