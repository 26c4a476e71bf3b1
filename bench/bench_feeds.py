"""Feed benchmark: the HTML reader and a whole feed poll, over the corpora.

Run: ``uv run python bench/bench_feeds.py [--repeat N]``.

1. Every issue of ../shared/corpora (This Week in Rust, JSer.info, 週刊Deno) is rendered to
   HTML by markdown-it-py once; ``parse_html`` is timed over all of them (best of N), beside
   ``parse_issue`` on the Markdown sources and selectolax's bare parse of the same HTML.
2. The JSer.info and 週刊Deno issues are wrapped as one RSS 2.0 feed; ``parse_feed``
   (feedparser) is timed on it, then a first poll (every entry parsed and stored as back
   catalogue) and a second poll of the unchanged feed (fingerprints only) into SQLite, through
   a source that serves the bytes from memory (the network is not what is measured).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser

from core.clock import FixedClock
from core.feeds.config import FeedConfig
from core.feeds.document import parse_feed
from core.feeds.poll import FeedPoll
from core.feeds.ports import FetchedFeed, WebSource
from core.parsing import parse_issue
from core.parsing.decode import decode_source
from core.parsing.frontmatter import split_front_matter
from core.parsing.html import parse_html
from core.profile import Profile
from core.storage.database import Database
from tests.core.feeds.documents import Entry, rss

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
SETS = ("this-week-in-rust/*.md", "jser/posts/*.md", "deno-weekly/articles/**/*.md")
_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in seconds (GC off while timing)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


class MemorySource(WebSource):
    """Serves one feed from memory: the benchmark measures parsing and storing, not sockets."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def feed(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchedFeed:
        return FetchedFeed(url=url, not_modified=False, body=self.body)

    async def page(self, url: str) -> str:
        raise AssertionError("every entry carries its body")


async def poll_twice(body: bytes, entries: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        db = Database.from_url(f"sqlite:///{folder}/bench.db")
        await db.migrate()
        poll = FeedPoll(
            db=db,
            profile=Profile.default(),
            config=FeedConfig(urls=("https://bench.test/feed",)),
            source=MemorySource(body),
            clock=FixedClock(datetime(2026, 8, 1, tzinfo=UTC)),
            owner="bench",
        )
        start = time.perf_counter()
        first = await poll.poll("https://bench.test/feed")
        middle = time.perf_counter()
        second = await poll.poll("https://bench.test/feed")
        end = time.perf_counter()
        await db.dispose()
    assert first is not None and first.count("new") == entries, first
    assert second is not None and second.count("unchanged") == entries
    return middle - start, end - middle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    profile = Profile.default()
    files = sorted(path for pattern in SETS for path in CORPORA.glob(pattern))
    sources = [(path, path.read_bytes()) for path in files]
    pages = []
    for path, data in sources:
        _, body, _ = split_front_matter(
            decode_source(data, name=str(path)), name=str(path), profile=profile
        )
        pages.append(_MD.render(body))
    size = sum(len(page.encode()) for page in pages)
    html = best_of(args.repeat, lambda: [parse_html(p, name="b", profile=profile) for p in pages])
    bare = best_of(args.repeat, lambda: [LexborHTMLParser(p).body for p in pages])
    markdown = best_of(
        args.repeat, lambda: [parse_issue(d, name=str(p), profile=profile) for p, d in sources]
    )
    print(f"{len(pages)} issues as HTML, {size / 1e6:.1f} MB")
    print(f"  parse_html          {html * 1000:8.1f} ms  ({html / len(pages) * 1000:.2f} ms/issue)")
    print(f"  selectolax alone    {bare * 1000:8.1f} ms")
    print(f"  parse_issue (md)    {markdown * 1000:8.1f} ms")

    entries = []
    for (path, data), page in zip(sources, pages, strict=True):
        if "this-week-in-rust" in str(path):
            continue
        issue = parse_issue(data, name=str(path), profile=profile)
        day = issue.date or datetime(2020, 1, 1).date()
        entries.append(
            Entry(
                id=f"https://bench.test/{path.relative_to(CORPORA)}",
                title=issue.title or path.stem,
                link=None,
                published=datetime.combine(day, clock_time(9), tzinfo=UTC),
                content=page,
            )
        )
    feed = rss(entries)
    read = best_of(args.repeat, lambda: parse_feed(feed, url="https://bench.test/feed"))
    first, second = asyncio.run(poll_twice(feed, len(entries)))
    print(f"one RSS feed of {len(entries)} entries, {len(feed) / 1e6:.1f} MB")
    print(f"  parse_feed          {read * 1000:8.1f} ms")
    per_entry = first / len(entries) * 1000
    print(f"  first poll (store)  {first * 1000:8.1f} ms  ({per_entry:.2f} ms/entry)")
    print(f"  second poll (same)  {second * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
