"""The poller inside ``haishin serve``: broken feeds beside a good one, the schedule, the
status in /healthz, and the CLI (``haishin ingest --feed``, ``haishin feeds``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bots.bootstrap import bootstrap
from bots.cli import app as cli
from bots.feeds.http import HttpWebSource
from bots.feeds.poller import FeedPoller
from bots.feeds.status import feed_health
from bots.server import create_app
from bots.settings import Settings
from core.clock import FixedClock
from core.feeds.config import FeedConfig
from core.feeds.poll import FeedPoll
from core.feeds.ports import FetchedFeed
from core.profile import Profile
from core.storage.database import Database
from core.storage.issues import IssueRepository
from tests.bots.feeds.conftest import LOOPBACK_ONLY, fake_dns
from tests.bots.feeds.server import FeedSite
from tests.conftest import CONTENT
from tests.core.feeds.documents import Entry, rss

NOW = datetime(2026, 8, 1, 0, 0, tzinfo=UTC)
ISSUE = Entry(
    id="urn:letter:1",
    title="第1号",
    link="https://letter.example/1",
    published=datetime(2026, 7, 25, tzinfo=UTC),
    content="<h2>トピック</h2><p>🚀 株価急騰</p><p>本文。</p>",
)


class Buggy(HttpWebSource):
    """The real source, except that one URL hits a bug (not a FetchError)."""

    bad = ""

    async def feed(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchedFeed:
        if url == self.bad:
            raise RuntimeError("a bug in a dependency")
        return await super().feed(url, etag=etag, last_modified=last_modified)


@pytest.fixture
async def source() -> AsyncIterator[Buggy]:
    # 2 s: long enough for a loaded machine to stream the flood's first megabyte, so the
    # size limit (not the timeout) is what stops it.
    config = FeedConfig(urls=(), timeout=2.0, max_bytes=1_000_000, allowed_networks=LOOPBACK_ONLY)
    web = Buggy(config, resolver=fake_dns)
    yield web
    await web.aclose()


def make_poller(
    db: Database,
    source: HttpWebSource,
    clock: FixedClock,
    profile: Profile,
    urls: tuple[str, ...],
    waits: list[float] | None = None,
    rounds: int = 3,
) -> FeedPoller:
    config = FeedConfig(urls=urls, allowed_networks=LOOPBACK_ONLY)
    poll = FeedPoll(
        db=db, profile=profile, config=config, source=source, clock=clock, owner="test",
        spread=lambda: 0.5,
    )  # fmt: skip

    async def sleep(seconds: float) -> None:
        assert waits is not None
        waits.append(seconds)
        clock.advance(timedelta(seconds=seconds))
        if len(waits) >= rounds:
            raise asyncio.CancelledError

    return FeedPoller(poll, urls=urls, db=db, clock=clock, sleep=sleep)


async def test_broken_feeds_never_stop_the_good_one(
    site: FeedSite, source: Buggy, database: Database, profile: Profile
) -> None:
    clock = FixedClock(NOW)
    good = site.document("/good.xml", rss([ISSUE]))
    broken = {
        site.hang("/slow.xml"): "timed out after 2s",
        site.status("/500.xml", 500): "HTTP 500 Internal Server Error",
        site.document("/page.xml", b"<html><body>Oops</body></html>", "text/html"): (
            "is a web page, not a feed"
        ),
        site.document("/binary.xml", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"): (
            "is not an RSS or Atom feed"
        ),
        site.flood("/huge.xml", 50_000_000): "larger than feed.max_size (1.0 MB)",
        site.redirect("/evil.xml", "http://169.254.169.254/latest/meta-data/"): "refused:",
    }
    source.bad = site.url("/bug.xml")
    urls = (*broken, source.bad, good)
    poller = make_poller(database, source, clock, profile, urls)
    reports = await poller.poll_due()
    by_url = {report.url: report for report in reports}
    assert by_url[good].ok and [e.status for e in by_url[good].entries] == ["new"]
    for url, message in broken.items():
        assert by_url[url].status == "error"
        assert message in (by_url[url].error or ""), by_url[url].error
    assert poller.status["feeds"][source.bad]["status"] == "failing"
    assert "a bug in a dependency" in poller.status["feeds"][source.bad]["error"]
    assert await IssueRepository(database).get(1) is not None

    health = await feed_health(database, Profile(name="x", feed=FeedConfig(urls=urls)))
    assert health["on"] and not health["ok"]
    statuses = {feed["url"]: (feed["status"], feed.get("failures")) for feed in health["feeds"]}
    assert statuses[good] == ("ok", 0)
    assert all(statuses[url] == ("failing", 1) for url in broken)
    assert statuses[source.bad] == ("failing", 1)  # a bug is a failure like any other


async def test_the_loop_waits_for_the_next_due_feed_and_backs_off(
    site: FeedSite, source: Buggy, database: Database, profile: Profile
) -> None:
    clock = FixedClock(NOW)
    good = site.document("/good.xml", rss([ISSUE]))
    failing = site.status("/500.xml", 503)
    waits: list[float] = []
    poller = make_poller(database, source, clock, profile, (good, failing), waits, rounds=4)
    with pytest.raises(asyncio.CancelledError):
        await poller.run()
    # The failing feed is retried after 1, 2, 4 minutes; the good one waits its 15.
    assert waits == [60.0, 120.0, 240.0, 480.0]
    assert len(site.hits("/500.xml")) == 4
    assert len(site.hits("/good.xml")) == 1
    clock.advance(timedelta(minutes=15))
    await poller.poll_due()
    assert len(site.hits("/good.xml")) == 2  # due again: a conditional GET, answered 304
    assert poller.status["feeds"][good]["status"] == "not-modified"


async def test_start_and_stop(source: Buggy, database: Database, profile: Profile) -> None:
    clock = FixedClock(NOW)
    parked = asyncio.Event()

    async def park(seconds: float) -> None:
        parked.set()
        await asyncio.Event().wait()

    config = FeedConfig(urls=())
    poll = FeedPoll(
        db=database, profile=profile, config=config, source=source, clock=clock, owner="t"
    )
    poller = FeedPoller(poll, urls=(), db=database, clock=clock, sleep=park)
    await poller.start()
    await parked.wait()
    assert poller.status["running"]
    await poller.stop()
    assert not poller.status["running"]


def feed_content(tmp_path: Path, *urls: str) -> Path:
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    profile = (CONTENT / "newsletter.toml").read_text(encoding="utf-8")
    listed = ", ".join(f'"{url}"' for url in urls)
    profile += f'\n[feed]\nurls = [{listed}]\nallow_private = ["127.0.0.0/8"]\ntimeout = "2s"\n'
    (content / "newsletter.toml").write_text(profile, encoding="utf-8")
    return content


async def test_healthz_shows_each_feed(site: FeedSite, tmp_path: Path) -> None:
    good = site.document("/good.xml", rss([ISSUE]))
    failing = site.status("/500.xml", 500)
    pending = site.document("/later.xml", rss([]))
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'haishin.db'}",
        content_dir=feed_content(tmp_path, good, failing, pending),
    )
    clock = FixedClock(NOW)
    services = await bootstrap(settings, clock=clock)
    try:
        poller = FeedPoller.build(db=services.db, profile=services.profile, clock=clock)
        assert poller is not None
        try:
            await poller._poll_one(good)
            await poller._poll_one(failing)
        finally:
            await poller.stop()
        app = create_app(services, platforms={})
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            response = await http.get("/healthz")
    finally:
        await services.close()
    assert response.status_code == 200  # a failing feed is not a failing service
    feeds = response.json()["feeds"]
    assert (feeds["on"], feeds["ok"]) == (True, False)
    assert [(f["url"], f["status"]) for f in feeds["feeds"]] == [
        (good, "ok"),
        (failing, "failing"),
        (pending, "pending"),
    ]
    assert feeds["feeds"][1]["error"] == "HTTP 500 Internal Server Error"
    retry = datetime.fromisoformat(feeds["feeds"][1]["next_poll"])
    assert NOW + timedelta(seconds=50) < retry < NOW + timedelta(seconds=70)  # backoff, jittered


def test_cli_ingest_feed_and_feeds(
    site: FeedSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = site.document("/good.xml", rss([ISSUE]))
    failing = site.status("/500.xml", 500)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HAISHIN_DATABASE_URL", f"sqlite:///{tmp_path / 'haishin.db'}")
    monkeypatch.setenv("HAISHIN_CONTENT_DIR", str(feed_content(tmp_path, good)))
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", "--feed"])
    assert result.exit_code == 0, result.output
    assert "第1号" in result.output and "new" in result.output
    assert "back catalogue" in result.output
    result = runner.invoke(cli, ["ingest", "--feed", failing])
    assert result.exit_code == 1
    assert "HTTP 500 Internal Server Error" in result.output
    said = " ".join(result.output.split())
    assert f"note: {failing} was read once, now; `haishin serve` follows only the feeds" in said
    assert "add it to its [feed] table" in said
    result = runner.invoke(cli, ["ingest", "--feed", "file:///etc/passwd"])
    assert result.exit_code == 1 and "not an http(s) URL" in result.output
    result = runner.invoke(cli, ["feeds"])
    assert result.exit_code == 0, result.output
    assert "週刊テスト" in result.output and " ok " in result.output
    result = runner.invoke(cli, ["issues"])
    assert "第1号" in result.output
    result = runner.invoke(cli, ["ingest", "--feed", good])  # the profile's own: no note
    assert result.exit_code == 0 and "read once" not in result.output


async def test_serve_runs_the_poller_as_one_of_its_components(
    site: FeedSite, tmp_path: Path
) -> None:
    from bots.feeds.component import feed_poller
    from bots.runtime import factories

    assert factories().count(feed_poller) == 1  # listed, not switched on by an import
    good = site.document("/good.xml", rss([ISSUE]))
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'haishin.db'}",
        content_dir=feed_content(tmp_path, good),
    )
    services = await bootstrap(settings, clock=FixedClock(NOW))
    try:
        assert isinstance(feed_poller(services), FeedPoller)
        without = Profile(name="no feed")
        assert FeedPoller.build(db=services.db, profile=without, clock=services.clock) is None
        first_round = asyncio.Event()

        async def park(seconds: float) -> None:
            first_round.set()
            await asyncio.Event().wait()

        poller = FeedPoller.build(
            db=services.db, profile=services.profile, clock=services.clock, sleep=park
        )
        assert poller is not None
        await poller.start()
        await first_round.wait()
        await poller.stop()
        assert poller.status["feeds"][good]["new"] == 1
        assert await IssueRepository(services.db).get(1) is not None
    finally:
        await services.close()
