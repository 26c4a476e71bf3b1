"""Feed documents: RSS 0.9x/1.0/2.0 and Atom read from bytes, and clear refusals of the rest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.errors import ContentError
from core.feeds.document import parse_feed
from core.feeds.entries import fingerprint, page_to_fetch, source_key
from tests.core.feeds.documents import Entry, atom, rss

JST = timezone(timedelta(hours=9))
URL = "https://example.test/feed"
ENTRIES = [
    Entry("urn:issue:2", "第2号", "https://example.test/2", datetime(2025, 10, 11, 7, tzinfo=JST),
          content="<p>二号</p>"),
    Entry("urn:issue:1", "第1号", "https://example.test/1", datetime(2025, 10, 4, 7, tzinfo=JST),
          content="<p>一号</p>", summary="要約"),
]  # fmt: skip


@pytest.mark.parametrize("build", [rss, atom], ids=["rss2", "atom"])
def test_entries_come_oldest_first_with_their_identity_and_body(
    build: Callable[[Sequence[Entry]], bytes],
) -> None:
    document = parse_feed(build(ENTRIES), url=URL)
    assert document.title == "週刊テスト"
    assert [e.key for e in document.entries] == ["urn:issue:1", "urn:issue:2"]
    first = document.entries[0]
    assert first.title == "第1号"
    assert first.link == "https://example.test/1"
    assert first.published == datetime(2025, 10, 3, 22, tzinfo=UTC)
    assert first.body == "<p>一号</p>"
    assert first.summary == "要約"


def test_rss_1_0_and_0_91_are_feeds_too() -> None:
    rdf = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://example.test/"><title>RDF</title><link>https://example.test/</link>
<description>d</description></channel>
<item rdf:about="https://example.test/a"><title>A</title><link>https://example.test/a</link>
<description>&lt;p&gt;body&lt;/p&gt;</description><dc:date>2025-10-04T07:00:00+09:00</dc:date></item>
</rdf:RDF>"""
    (entry,) = parse_feed(rdf, url=URL).entries
    assert (entry.key, entry.summary) == ("https://example.test/a", "<p>body</p>")
    assert entry.updated == datetime(2025, 10, 3, 22, tzinfo=UTC)  # dc:date
    old = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>
<link>https://example.test/</link><description>d</description>
<item><title>B</title><link>https://example.test/b</link><description>text</description></item>
</channel></rss>"""
    (entry,) = parse_feed(old, url=URL).entries
    assert entry.key == "https://example.test/b"


def test_an_entry_without_id_is_known_by_its_link_and_relative_links_resolve() -> None:
    data = rss([Entry(None, "t", "/posts/1", datetime(2025, 1, 1, tzinfo=UTC), content="<p>x</p>")])
    (entry,) = parse_feed(data, url="https://example.test/feed.xml").entries
    assert entry.id is None
    assert entry.key == entry.link == "https://example.test/posts/1"


def test_plain_text_content_keeps_its_paragraphs() -> None:
    data = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<id>urn:f</id><updated>2025-01-01T00:00:00Z</updated><entry><id>urn:e</id><title>e</title>
<updated>2025-01-01T00:00:00Z</updated><content type="text">first line
same paragraph &lt;b&gt;not bold&lt;/b&gt;

second paragraph</content></entry></feed>"""
    (entry,) = parse_feed(data, url=URL).entries
    assert entry.body == (
        "<p>first line<br>same paragraph &lt;b&gt;not bold&lt;/b&gt;</p><p>second paragraph</p>"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"is empty, not a feed"),
        (b"<html><body><p>Hello</p></body></html>", r"is a web page, not a feed"),
        (b"\x00\x01 binary garbage", r"is not an RSS or Atom feed"),
        (b'{"version": "https://jsonfeed.org/version/1"}', r"is not an RSS or Atom feed"),
        (b"<?xml version='1.0'?><note><to>x</to></note>", r"is not an RSS or Atom feed"),
    ],
)
def test_what_is_not_a_feed_is_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(ContentError, match=message) as caught:
        parse_feed(data, url=URL)
    assert caught.value.path == URL
    assert caught.value.hint


def test_a_web_page_that_names_its_feed_gets_that_url_in_the_hint() -> None:
    page = b"""<!doctype html><html><head>
<link rel="alternate" type="application/rss+xml" href="/rss"></head><body>x</body></html>"""
    with pytest.raises(ContentError) as caught:
        parse_feed(page, url="https://example.test/blog")
    assert "set feed.url to https://example.test/rss" in str(caught.value)


def test_a_malformed_feed_with_entries_is_read_leniently_with_a_warning() -> None:
    data = rss(ENTRIES).replace(b"</channel>", b"<broken></channel>")
    document = parse_feed(data, url=URL)
    assert len(document.entries) == 2
    assert document.warning and "not well-formed" in document.warning


def test_identity_and_fingerprint() -> None:
    document = parse_feed(rss(ENTRIES), url=URL)
    first = document.entries[0]
    assert source_key(URL, "urn:issue:1") == "feed:urn:issue:1"
    assert source_key(URL, "https://example.test/1") == "feed:https://example.test/1"
    assert source_key(URL, "42") == f"feed:{URL}#42"  # a bare guid is only unique in its feed
    assert len(source_key(URL, "x" * 5000)) <= 1000
    edited = parse_feed(rss([replace(ENTRIES[1], content="<p>一号(訂正)</p>")]), url=URL)
    assert fingerprint(first) == fingerprint(parse_feed(rss(ENTRIES), url=URL).entries[0])
    assert fingerprint(first) != fingerprint(edited.entries[0])


def test_which_entries_need_their_page() -> None:
    full, summary_only = parse_feed(
        rss(
            [
                Entry("a", "full", "https://e.test/a", datetime(2025, 1, 1, tzinfo=UTC),
                      content="<p>x</p>"),
                Entry("b", "summary", "https://e.test/b", datetime(2025, 1, 2, tzinfo=UTC),
                      summary="short"),
            ]
        ),
        url=URL,
    ).entries  # fmt: skip
    assert page_to_fetch(full, "auto") is None
    assert page_to_fetch(summary_only, "auto") == "https://e.test/b"
    assert page_to_fetch(full, "always") == "https://e.test/a"
    assert page_to_fetch(summary_only, "never") is None


def test_a_shift_jis_feed_is_decoded_by_its_declaration() -> None:
    data = rss([ENTRIES[1]]).decode().replace('encoding="UTF-8"', 'encoding="Shift_JIS"')
    (entry,) = parse_feed(data.encode("cp932"), url=URL).entries
    assert (entry.title, entry.body) == ("第1号", "<p>一号</p>")
