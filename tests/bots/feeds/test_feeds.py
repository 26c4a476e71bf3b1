"""Feeds end to end over real HTTP: corpus issues as RSS and Atom, the sample issue as a web
page linked from a summary-only entry, 304s, edits, and broken feeds beside a good one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bots.feeds.http import HttpWebSource
from core.clock import FixedClock
from core.feeds.config import FeedConfig
from core.feeds.poll import FeedPoll
from core.model import Issue
from core.parsing import load_issue
from core.profile import Profile
from core.storage.database import Database
from core.storage.issues import IssueRepository
from tests.bots.feeds.conftest import LOOPBACK_ONLY, fake_dns
from tests.bots.feeds.server import FeedSite
from tests.core.feeds.documents import Entry, atom, markdown_html, rss, sample_page

NOW = datetime(2026, 8, 1, 0, 0, tzinfo=UTC)
JSER = [
    "jser/posts/2017-09-26-chrome-62-beta-safari-11.0.md",
    "jser/posts/2017-10-02-react-16.0-firefox-56-images.guide.md",
    "jser/posts/2017-10-10-mocha-4.0.0-npm-2-whatwg-stream.md",
    "jser/posts/2017-10-17-vue-2.5.0-e2e-glimmerbinary-template.md",
]
DENO = [
    "deno-weekly/articles/2026/07/05.md",
    "deno-weekly/articles/2026/07/12.md",
    "deno-weekly/articles/2026/07/19.md",
]


def shape(issue: Issue) -> list[tuple[str, str, list[tuple[str | None, str]]]]:
    """Sections and items, white space ignored (HTML collapses it, Markdown keeps it)."""
    return [
        (
            s.key,
            s.title,
            [("".join((i.title or "").split()) or None, "".join(i.text.split())) for i in s.items],
        )
        for s in issue.sections
    ]


def corpus_entries(corpora: Path, files: list[str], base: str) -> list[Entry]:
    entries = []
    for relative in files:
        markdown = load_issue(corpora / relative, Profile.default())
        assert markdown.date is not None and markdown.title is not None
        entries.append(
            Entry(
                id=f"{base}/{relative}",
                title=markdown.title,
                link=f"{base}/{relative}.html",
                published=datetime.combine(markdown.date, time(9), tzinfo=UTC),
                content=markdown_html(corpora / relative),
            )
        )
    return entries


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def web() -> AsyncIterator[HttpWebSource]:
    source = HttpWebSource(
        FeedConfig(urls=(), timeout=2.0, max_bytes=2_000_000, allowed_networks=LOOPBACK_ONLY),
        resolver=fake_dns,
    )
    yield source
    await source.aclose()


def poller(
    db: Database, web: HttpWebSource, clock: FixedClock, profile: Profile, *urls: str
) -> FeedPoll:
    config = FeedConfig(urls=urls, allowed_networks=LOOPBACK_ONLY)
    return FeedPoll(
        db=db, profile=profile, config=config, source=web, clock=clock, owner="test",
        spread=lambda: 0.5,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("files", "build"), [(JSER, rss), (DENO, atom)], ids=["jser-rss", "deno-atom"]
)
async def test_corpus_issues_served_as_a_feed_parse_as_their_markdown(
    files: list[str],
    build: object,
    site: FeedSite,
    web: HttpWebSource,
    clock: FixedClock,
    database: Database,
    corpora: Path,
) -> None:
    entries = corpus_entries(corpora, files, "https://news.example.test")
    url = site.document("/feed.xml", build(entries[::-1]))  # type: ignore[operator]
    report = await poller(database, web, clock, Profile.default(), url).poll(url)
    assert report is not None and report.ok, report
    assert [(e.status, e.back_catalogue) for e in report.entries] == [("new", True)] * len(files)
    issues = IssueRepository(database, clock=clock)
    for number, relative in enumerate(files, start=1):
        stored = await issues.get(number)
        assert (
            stored is not None and stored.source_key == f"feed:https://news.example.test/{relative}"
        )
        expected = load_issue(corpora / relative, Profile.default())
        assert stored.issue.title == expected.title
        assert stored.issue.date == expected.date
        assert shape(stored.issue) == shape(expected)


@pytest.mark.parametrize("semantic", [True, False], ids=["headings", "paragraphs"])
async def test_the_sample_issue_from_its_web_page(
    semantic: bool,
    site: FeedSite,
    web: HttpWebSource,
    clock: FixedClock,
    database: Database,
    profile: Profile,
    sample_path: Path,
) -> None:
    page = site.page("/2025/10/04/", sample_page(profile, semantic=semantic))
    entry = Entry(
        id="tag:letter.example,2025:issue-1",
        title="週刊ビジネスレター 2025-10-04号",
        link=page,
        published=datetime(2025, 10, 4, 7, tzinfo=UTC),
        summary="CoreWeaveとMetaの巨額契約、トランプ×ファイザー、小ネタ2本…",
    )
    url = site.document("/rss", rss([entry]))
    report = await poller(database, web, clock, profile, url).poll(url)
    assert report is not None and report.ok
    stored = await IssueRepository(database, clock=clock).get(1)
    assert stored is not None
    expected = load_issue(sample_path, profile)
    assert [(s.key, s.title) for s in stored.issue.sections] == [
        (s.key, s.title) for s in expected.sections
    ]
    for ours, theirs in zip(stored.issue.sections, expected.sections, strict=True):
        assert [(i.headline, i.blocks) for i in ours.items] == [
            (i.headline, i.blocks) for i in theirs.items
        ]
    text = "\n".join(i.text for s in stored.issue.sections for i in s.items)
    assert "最初のコメントです" not in text and "ポストする" not in text
    assert len(site.hits("/2025/10/04/")) == 1


async def test_304_and_an_edited_entry_over_http(
    site: FeedSite, web: HttpWebSource, clock: FixedClock, database: Database, profile: Profile
) -> None:
    first = Entry(
        id="urn:letter:1",
        title="第1号",
        link="https://letter.example/1",
        published=datetime(2026, 7, 25, tzinfo=UTC),
        content="<h2>トピック</h2><p>🚀 株価急騰</p><p>本文。</p>",
    )
    url = site.document("/atom.xml", atom([first]), "application/atom+xml")
    poll = poller(database, web, clock, profile, url)
    assert (report := await poll.poll(url)) is not None and report.status == "ok"
    clock.advance(timedelta(minutes=15))
    assert (report := await poll.poll(url)) is not None and report.status == "not-modified"
    assert site.hits("/atom.xml")[1]["If-None-Match"]
    second = replace(
        first,
        id="urn:letter:2",
        title="第2号",
        published=datetime(2026, 7, 31, tzinfo=UTC),
        content="<h2>トピック</h2><p>🎬 新しい話題</p><p>本文。</p>",
    )
    edited = replace(first, content="<h2>トピック</h2><p>🚀 株価急騰(訂正)</p><p>本文。</p>")
    site.document("/atom.xml", atom([second, edited]), "application/atom+xml")
    clock.advance(timedelta(minutes=15))
    report = await poll.poll(url)
    assert report is not None
    assert [(e.key, e.status, e.revision, e.back_catalogue) for e in report.entries] == [
        ("urn:letter:1", "revised", 2, True),
        ("urn:letter:2", "new", 1, False),
    ]
    issues = IssueRepository(database, clock=clock)
    assert [d.number for d in await issues.due(clock.now())] == [2]
    corrected = await issues.get(1)
    assert corrected is not None and corrected.corrected
    assert corrected.issue.sections[0].items[0].title == "🚀 株価急騰(訂正)"


async def test_an_entry_linking_to_a_private_address_is_refused(
    site: FeedSite, web: HttpWebSource, clock: FixedClock, database: Database, profile: Profile
) -> None:
    entries = [
        Entry("urn:a", "内部", "http://intranet.test/admin", datetime(2026, 7, 1, tzinfo=UTC),
              summary="要約"),
        Entry("urn:b", "メタデータ", "http://169.254.169.254/latest/",
              datetime(2026, 7, 2, tzinfo=UTC), summary="要約"),
        Entry("urn:c", "普通", None, datetime(2026, 7, 3, tzinfo=UTC),
              content="<h2>トピック</h2><p>🚀 見出し</p><p>本文。</p>"),
    ]  # fmt: skip
    url = site.document("/feed.xml", rss(entries))
    report = await poller(database, web, clock, profile, url).poll(url)
    assert report is not None
    assert [e.status for e in report.entries] == ["error", "error", "new"]
    assert all("refused:" in (e.error or "") for e in report.entries[:2])
