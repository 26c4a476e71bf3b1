"""Fetching over real HTTP on loopback: conditional GET, limits, and the SSRF guard.

The server is real; only DNS is answered by the test (``fake_dns``), so that names can
resolve to private addresses without a DNS server.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bots.feeds.guard import AddressPolicy, AddressRefused, GuardedBackend
from bots.feeds.http import HttpWebSource, decode_page
from core.feeds.config import FeedConfig
from core.feeds.ports import FetchError
from tests.bots.feeds.conftest import LOOPBACK_ONLY, fake_dns
from tests.bots.feeds.server import LAST_MODIFIED, FeedSite

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
# 2 s: a loaded machine still streams a flood's first megabyte in time, so the size limit
# (not the timeout) is what stops it.
CONFIG = FeedConfig(urls=(), timeout=2.0, max_bytes=1_000_000, allowed_networks=LOOPBACK_ONLY)


@pytest.fixture
async def web() -> AsyncIterator[HttpWebSource]:
    source = HttpWebSource(CONFIG, resolver=fake_dns)
    yield source
    await source.aclose()


async def fetch_error(web: HttpWebSource, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        await web.feed(url, etag=None, last_modified=None)
    return caught.value


async def test_conditional_get_gets_304_with_the_validators(
    site: FeedSite, web: HttpWebSource
) -> None:
    url = site.document("/feed.xml", RSS)
    first = await web.feed(url, etag=None, last_modified=None)
    assert (first.not_modified, first.body, first.last_modified) == (False, RSS, LAST_MODIFIED)
    assert first.etag and first.content_type == "application/rss+xml"
    again = await web.feed(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.body == b""
    sent = site.hits("/feed.xml")[1]
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == (first.etag, LAST_MODIFIED)
    assert sent["User-Agent"].startswith("haishin-feed-reader/")
    assert "application/rss+xml" in sent["Accept"]


async def test_a_feed_that_never_answers_times_out(site: FeedSite, web: HttpWebSource) -> None:
    error = await fetch_error(web, site.hang("/slow.xml"))
    assert error.message == "timed out after 2s" and error.retryable


@pytest.mark.parametrize(
    ("code", "retryable", "retry_after"),
    [
        (500, True, None),
        (503, True, 120.0),
        (429, True, 30.0),
        (404, False, None),
        (410, False, None),
    ],
)
async def test_error_statuses(
    site: FeedSite, web: HttpWebSource, code: int, retryable: bool, retry_after: float | None
) -> None:
    header = None if retry_after is None else str(int(retry_after))
    error = await fetch_error(web, site.status(f"/{code}.xml", code, header))
    assert error.message.startswith(f"HTTP {code} ")
    assert (error.status, error.retryable, error.retry_after) == (code, retryable, retry_after)


async def test_a_50_mb_feed_is_cut_off_at_the_size_cap(site: FeedSite, web: HttpWebSource) -> None:
    error = await fetch_error(web, site.flood("/huge.xml", 50_000_000))
    assert "larger than feed.max_size (1.0 MB); stopped reading there" in error.message
    assert not error.retryable
    flood = site.floods["/huge.xml"]
    assert not flood.finished
    assert flood.sent < 10_000_000  # the client hung up long before 50 MB


async def test_a_declared_50_mb_body_is_refused_before_reading(
    site: FeedSite, web: HttpWebSource
) -> None:
    error = await fetch_error(web, site.flood("/declared.xml", 50_000_000, declare=True))
    assert error.message == "is 50.0 MB, larger than feed.max_size (1.0 MB)"
    assert site.floods["/declared.xml"].sent < 10_000_000


async def test_redirects_are_followed_and_each_target_checked(
    site: FeedSite, web: HttpWebSource
) -> None:
    site.document("/new.xml", RSS)
    site.redirect("/old.xml", "/moved.xml", 301)
    site.redirect("/moved.xml", "http://site.test:{}/new.xml".format(site.base.rsplit(":", 1)[1]))
    fetched = await web.feed(site.url("/old.xml"), etag=None, last_modified=None)
    assert fetched.body == RSS and fetched.url.endswith("/new.xml")


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.7/feed.xml",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.7]/",
        "http://[fe80::1]/",
        "http://intranet.test/feed.xml",
        "http://metadata.test/",
        "http://mapped.test/",
    ],
)
async def test_a_redirect_to_a_private_address_is_refused(
    site: FeedSite, web: HttpWebSource, target: str
) -> None:
    error = await fetch_error(web, site.redirect("/evil.xml", target))
    assert "refused:" in error.message and "private" in error.message
    assert "feed.allow_private" in error.message
    assert not error.retryable


async def test_a_name_with_any_private_answer_is_refused(
    site: FeedSite, web: HttpWebSource
) -> None:
    # rebind.test answers the loopback server *and* a LAN address: refused as a whole.
    port = site.base.rsplit(":", 1)[1]
    error = await fetch_error(web, f"http://rebind.test:{port}/feed.xml")
    assert "rebind.test resolves to 192.168.1.20" in error.message
    assert site.requests == []


@pytest.mark.parametrize(
    "url", ["ftp://site.test/feed.xml", "file:///etc/passwd", "gopher://site.test/", "data:,x"]
)
async def test_only_http_and_https_are_fetched(web: HttpWebSource, url: str) -> None:
    error = await fetch_error(web, url)
    assert "only http and https" in error.message and not error.retryable


async def test_a_redirect_to_another_scheme_is_refused(site: FeedSite, web: HttpWebSource) -> None:
    error = await fetch_error(web, site.redirect("/file.xml", "file:///etc/passwd"))
    assert "only http and https" in error.message


async def test_redirect_loops_end(site: FeedSite, web: HttpWebSource) -> None:
    site.redirect("/a.xml", "/b.xml")
    site.redirect("/b.xml", "/a.xml")
    error = await fetch_error(web, site.url("/a.xml"))
    assert error.message == "more than 5 redirects"


async def test_without_allow_private_even_loopback_is_refused(site: FeedSite) -> None:
    source = HttpWebSource(replace(CONFIG, allowed_networks=()), resolver=fake_dns)
    try:
        for url in (site.document("/feed.xml", RSS), "http://site.test/feed.xml"):
            error = await fetch_error(source, url)
            assert "refused:" in error.message
        assert site.requests == []  # refused before connecting
    finally:
        await source.aclose()


@pytest.mark.parametrize(
    "host",
    [
        "[::7f00:1]",  # IPv4-compatible ::127.0.0.1
        "[::ffff:127.0.0.1]",  # IPv4-mapped
        "[::ffff:7f00:1]",
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
        "[64:ff9b::a9fe:a9fe]",  # NAT64 of the metadata service 169.254.169.254
        "[64:ff9b:1::808:808]",  # a local NAT64 prefix
        "[2002:7f00:1::1]",  # 6to4 of 127.0.0.1
        "[2002:c0a8:1::1]",  # 6to4 of 192.168.0.1
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",  # Teredo, client 127.0.0.1
    ],
)
async def test_ipv6_forms_of_private_ipv4_addresses_are_refused(host: str) -> None:
    source = HttpWebSource(replace(CONFIG, allowed_networks=()), resolver=fake_dns)
    try:
        error = await fetch_error(source, f"http://{host}/feed.xml")
        assert "refused:" in error.message and "feed.allow_private" in error.message
        assert not error.retryable
    finally:
        await source.aclose()
    # A name that resolves to it is refused before connecting, the same way.
    backend = GuardedBackend(AddressPolicy(), resolver=lambda name, port: _answer(host))
    with pytest.raises(AddressRefused):
        await backend.connect_tcp("feed.example", 80, timeout=1)


async def _answer(host: str) -> list[str]:
    return [host.strip("[]")]


def test_public_ipv6_forms_stay_allowed() -> None:
    policy = AddressPolicy()
    for address in ("64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111"):
        assert policy.permits(ipaddress.ip_address(address)), address


async def test_unknown_hosts_are_a_retryable_failure(web: HttpWebSource) -> None:
    error = await fetch_error(web, "http://nowhere.test/feed.xml")
    assert "cannot resolve nowhere.test" in error.message and error.retryable


async def test_pages_are_decoded_by_their_charset(site: FeedSite, web: HttpWebSource) -> None:
    html = (
        "<html><head><meta charset='shift_jis'></head><body><p>週刊ビジネスレター</p></body></html>"
    )
    url = site.document("/sjis.html", html.encode("cp932"), "text/html")
    assert "週刊ビジネスレター" in await web.page(url)
    url = site.page("/euc.html", "<p>編集後記</p>", charset="euc-jp")
    assert "編集後記" in await web.page(url)
    assert decode_page("<p>é</p>".encode(), None) == "<p>é</p>"
    assert decode_page(b"\xef\xbb\xbf<p>x</p>", "text/html; charset=nonsense") == "<p>x</p>"
