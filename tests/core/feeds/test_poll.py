"""One poll of a feed into the store: back catalogue, new issues, revisions, failures, backoff.

The network is the ``WebSource`` port, faked here (the HTTP side has its own tests against a
real server in tests/bots/feeds); the database is real (SQLite, and PostgreSQL when reachable).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.clock import FixedClock
from core.feeds.config import FeedConfig
from core.feeds.poll import FeedPoll
from core.feeds.ports import FetchedFeed, FetchError, WebSource
from core.profile import Profile
from core.storage.database import Database
from core.storage.feeds import FeedRepository
from core.storage.issues import IssueRepository
from tests.core.feeds.documents import Entry, rss

URL = "https://news.example.test/feed"
NOW = datetime(2025, 10, 10, 0, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=15)


def entry(n: int, body: str | None = None, **changes: object) -> Entry:
    made = Entry(
        id=f"urn:example:{n}",
        title=f"第{n}号",
        link=f"https://news.example.test/{n}",
        published=datetime(2025, 9, 1, tzinfo=UTC) + timedelta(days=7 * n),
        content=body
        if body is not None
        else f"<h2>トピック</h2><p>🚀 見出し{n}</p><p>本文{n}。</p>",
    )
    return replace(made, **changes)  # type: ignore[arg-type]


class FakeWeb(WebSource):
    """Serves one feed document and pages from memory, and remembers what was asked."""

    def __init__(self) -> None:
        self.document = b""
        self.etag: str | None = '"v1"'
        self.pages: dict[str, str | FetchError] = {}
        self.failure: FetchError | None = None
        self.requests: list[tuple[str | None, str | None]] = []
        self.page_requests: list[str] = []

    async def feed(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchedFeed:
        self.requests.append((etag, last_modified))
        if self.failure is not None:
            raise self.failure
        if etag is not None and etag == self.etag:
            return FetchedFeed(url=url, not_modified=True)
        return FetchedFeed(url=url, not_modified=False, body=self.document, etag=self.etag)

    async def page(self, url: str) -> str:
        self.page_requests.append(url)
        page = self.pages.get(url)
        if page is None:
            raise FetchError("HTTP 404 Not Found", url=url, status=404, retryable=False)
        if isinstance(page, FetchError):
            raise page
        return page


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def web() -> FakeWeb:
    return FakeWeb()


def poller(
    db: Database, web: FakeWeb, clock: FixedClock, profile: Profile, **config: object
) -> FeedPoll:
    settings = FeedConfig(urls=(URL,), interval=INTERVAL, **config)  # type: ignore[arg-type]
    return FeedPoll(
        db=db, profile=profile, config=settings, source=web, clock=clock, owner="test",
        spread=lambda: 0.5,
    )  # fmt: skip


async def test_first_poll_stores_every_entry_as_back_catalogue(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    web.document = rss([entry(2), entry(1), entry(3)])
    report = await poller(database, web, clock, profile).poll(URL)
    assert report is not None and report.ok and report.first_poll
    assert [(e.key, e.status, e.number, e.back_catalogue) for e in report.entries] == [
        ("urn:example:1", "new", 1, True),
        ("urn:example:2", "new", 2, True),
        ("urn:example:3", "new", 3, True),
    ]
    issues = IssueRepository(database, clock=clock)
    assert await issues.due(clock.now()) == []  # stored, never sent
    hits = await issues.search("見出し2")
    assert [hit.number for hit in hits] == [2]  # searchable
    stored = await issues.get(1)
    assert stored is not None
    assert (stored.issue.title, stored.issue.date) == ("第1号", datetime(2025, 9, 8).date())
    assert [(s.key, [i.title for i in s.items]) for s in stored.issue.sections] == [
        ("topic", ["🚀 見出し1"])
    ]


async def test_a_later_entry_is_a_new_issue_due_at_its_publication(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    poll = poller(database, web, clock, profile)
    web.document = rss([entry(1)])
    await poll.poll(URL)
    clock.advance(INTERVAL)
    web.document, web.etag = rss([entry(2), entry(1)]), '"v2"'
    report = await poll.poll(URL)
    assert report is not None and not report.first_poll
    assert [(e.key, e.status, e.back_catalogue) for e in report.entries] == [
        ("urn:example:1", "unchanged", True),
        ("urn:example:2", "new", False),
    ]
    due = await IssueRepository(database, clock=clock).due(clock.now())
    assert [(d.number, d.publish_at) for d in due] == [(2, entry(2).published)]


async def test_an_edited_entry_becomes_a_revision_of_the_same_issue(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    poll = poller(database, web, clock, profile)
    web.document = rss([entry(1)])
    await poll.poll(URL)
    web.document, web.etag = rss([entry(1)]), '"v1-again"'
    again = await poll.poll(URL)
    assert again is not None and [e.status for e in again.entries] == ["unchanged"]
    edited = entry(1, "<h2>トピック</h2><p>🚀 見出し1(訂正)</p><p>本文1。</p>")
    web.document, web.etag = rss([edited]), '"v2"'
    report = await poll.poll(URL)
    assert report is not None
    assert [(e.status, e.number, e.revision) for e in report.entries] == [("revised", 1, 2)]
    stored = await IssueRepository(database, clock=clock).get(1)
    assert stored is not None and stored.corrected and stored.revision == 2
    assert stored.issue.sections[0].items[0].title == "🚀 見出し1(訂正)"
    assert stored.back_catalogue  # still not sent: it was back catalogue from the start


async def test_a_changed_date_only_in_the_feed_is_not_a_revision(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    poll = poller(database, web, clock, profile)
    web.document = rss([entry(1)])
    await poll.poll(URL)
    web.document, web.etag = rss([replace(entry(1), updated=NOW)]), '"v2"'
    report = await poll.poll(URL)
    assert report is not None and [e.status for e in report.entries] == ["unchanged"]


async def test_conditional_get_sends_the_validators_and_a_304_changes_nothing(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    poll = poller(database, web, clock, profile)
    web.document = rss([entry(1)])
    await poll.poll(URL)
    report = await poll.poll(URL)
    assert web.requests == [(None, None), ('"v1"', None)]
    assert report is not None and report.status == "not-modified"
    state = await FeedRepository(database).state(URL)
    assert state is not None and (state.last_status, state.failures) == ("not-modified", 0)
    assert state.next_poll_at == NOW + INTERVAL


async def test_summary_only_entries_are_read_from_their_page(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    web.document = rss([replace(entry(1), content=None, summary="要約だけ")])
    web.pages[entry(1).link or ""] = (
        "<html><body><nav>メニュー</nav><article><h2>トピック</h2><p>🚀 ページの見出し</p>"
        "<p>ページの本文。</p><div class='share-buttons'>シェア</div></article></body></html>"
    )
    report = await poller(database, web, clock, profile).poll(URL)
    assert report is not None and report.ok
    stored = await IssueRepository(database, clock=clock).get(1)
    assert stored is not None
    assert [i.title for i in stored.issue.sections[0].items] == ["🚀 ページの見出し"]
    assert web.page_requests == [entry(1).link]


async def test_fetch_pages_never_uses_the_summary(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    web.document = rss([replace(entry(1), content=None, summary="<p>要約だけです。</p>")])
    report = await poller(database, web, clock, profile, fetch_pages="never").poll(URL)
    assert report is not None and report.ok and web.page_requests == []
    stored = await IssueRepository(database, clock=clock).get(1)
    assert stored is not None and stored.issue.sections[0].items[0].text == "要約だけです。"


async def test_a_failing_entry_does_not_stop_the_others_and_is_retried(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    poll = poller(database, web, clock, profile)
    broken = replace(entry(2), content=None, summary="要約")
    web.document = rss([entry(1), broken, entry(3)])
    web.pages[broken.link or ""] = FetchError("timed out after 20s", url=broken.link or "")
    report = await poll.poll(URL)
    assert report is not None and not report.ok
    assert [e.status for e in report.entries] == ["new", "error", "new"]
    assert report.error is not None and "1 of 3 entries failed" in report.error
    state = await FeedRepository(database).state(URL)
    assert state is not None and state.etag is None  # so the next poll can't get a 304
    web.pages[broken.link or ""] = "<h2>トピック</h2><p>🚀 遅れて届いた</p><p>本文。</p>"
    clock.advance(INTERVAL)
    retry = await poll.poll(URL)
    assert retry is not None and retry.ok
    assert [(e.key, e.status, e.back_catalogue) for e in retry.entries] == [
        ("urn:example:1", "unchanged", True),
        ("urn:example:2", "new", True),  # it was on the first poll: still back catalogue
        ("urn:example:3", "unchanged", True),
    ]
    assert web.page_requests == [broken.link, broken.link]


async def test_an_entry_without_id_or_link_is_reported(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    web.document = rss([entry(1), replace(entry(2), id=None, link=None)])
    report = await poller(database, web, clock, profile).poll(URL)
    assert report is not None
    assert [e.status for e in report.entries] == ["new", "error"]
    assert "neither an id/guid nor a link" in (report.entries[1].error or "")


async def test_failures_back_off_and_recover(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    poll = poller(database, web, clock, profile)
    web.failure = FetchError("HTTP 500 Internal Server Error", url=URL, status=500)
    delays = []
    for _ in range(4):
        report = await poll.poll(URL)
        assert report is not None and report.status == "error"
        delays.append(report.next_poll_at - clock.now())
        clock.set(report.next_poll_at)
    assert delays == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    state = await FeedRepository(database).state(URL)
    assert (
        state is not None
        and state.failures == 4
        and state.last_error == "HTTP 500 Internal Server Error"
    )
    web.failure = FetchError("HTTP 429 Too Many Requests", url=URL, retry_after=3600)
    report = await poll.poll(URL)
    assert report is not None and report.next_poll_at - clock.now() == timedelta(hours=1)
    web.failure, web.document = None, rss([entry(1)])
    report = await poll.poll(URL)
    assert report is not None and report.ok and report.first_poll  # the first good read
    state = await FeedRepository(database).state(URL)
    assert state is not None and (state.failures, state.last_error) == (0, None)


async def test_a_document_that_is_not_a_feed_is_a_feed_failure(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    web.document = b"<html><body>Service temporarily unavailable</body></html>"
    report = await poller(database, web, clock, profile).poll(URL)
    assert report is not None and report.status == "error"
    assert "is a web page, not a feed" in (report.error or "")


async def test_due_only_and_the_lease_keep_polls_apart(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    poll = poller(database, web, clock, profile)
    web.document = rss([entry(1)])
    assert await poll.poll(URL, due_only=True) is not None
    assert await poll.poll(URL, due_only=True) is None  # next poll is 15 minutes away
    clock.advance(INTERVAL)
    feeds = FeedRepository(database)
    until = clock.now() + timedelta(minutes=5)
    assert await feeds.claim(URL, owner="other", until=until, now=clock.now(), due_only=True)
    assert await poll.poll(URL, due_only=True) is None  # another process is polling it
    clock.advance(timedelta(minutes=6))  # its lease ran out (it crashed)
    assert await poll.poll(URL, due_only=True) is not None


async def test_markup_beyond_the_reader_fails_its_entry_only(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    nested = "<div>" * 5000 + "<p>deep</p>" + "</div>" * 5000
    web.document = rss([entry(1), entry(2, nested)])
    report = await poller(database, web, clock, profile).poll(URL)
    assert report is not None
    assert [e.status for e in report.entries] == ["new", "error"]
    assert "can't be read (RecursionError" in (report.entries[1].error or "")


async def test_an_unexpected_error_fails_the_feed_and_backs_off(
    database: Database, web: FakeWeb, clock: FixedClock, profile: Profile
) -> None:
    class Broken(FakeWeb):
        async def feed(
            self, url: str, *, etag: str | None, last_modified: str | None
        ) -> FetchedFeed:
            raise RuntimeError("a bug")

    report = await poller(database, Broken(), clock, profile).poll(URL)
    assert report is not None and report.status == "error"
    assert report.error == "RuntimeError: a bug"
    assert report.next_poll_at == NOW + timedelta(minutes=1)
