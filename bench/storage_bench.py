"""Storage benchmark: each Markdown corpus in its own database: store, re-ingest, search.

Run: ``uv run python bench/storage_bench.py [postgresql://user@host/db]``. Without an
argument it uses temporary SQLite files; with a PostgreSQL URL it creates (and drops) a
scratch database per newsletter on that server.

Per newsletter it reports: parsing alone, storing the parsed issues (one transaction per
issue), a full re-ingest where nothing changed (parse + compare), and the median and 95th
percentile of keyword searches (Japanese 1-, 2- and 3+-character words, and English).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from core.clock import SystemClock
from core.ingest import effective_publish_at, ingest_paths
from core.parsing import load_issue
from core.profile import Profile
from core.serialize import content_hash
from core.storage import Database, IssueRepository

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # tests.fakes (scratch PostgreSQL databases)
    sys.path.insert(0, str(ROOT))
CORPORA = ROOT.parent / "shared" / "corpora"
NEWSLETTERS = ("this-week-in-rust", "jser", "deno-weekly")
QUERIES = ["Rust", "async", "TypeScript", "リリース", "脆弱性", "型", "Deno 2", "WebAssembly"]


@contextlib.contextmanager
def scratch(base: str | None, folder: Path, name: str) -> Iterator[str]:
    if base is None:
        yield f"sqlite:///{folder / name}.db"
        return
    from tests.fakes.postgres import scratch_database

    with scratch_database(base, "haishin_bench") as url:
        yield url


async def run(name: str, url: str) -> None:
    paths = sorted((CORPORA / name).rglob("*.md"))
    profile = Profile.default(name)
    db = Database.from_url(url)
    await db.migrate()
    repo = IssueRepository(db)

    start = time.perf_counter()
    issues = [load_issue(path, profile) for path in paths]
    parse = time.perf_counter() - start
    items = sum(len(s.items) for issue in issues for s in issue.sections)

    start = time.perf_counter()
    for path, issue in sorted(zip(paths, issues, strict=True), key=lambda e: str(e[1].date)):
        publish_at = effective_publish_at(issue, profile)
        await repo.store(
            issue,
            source_key=path.relative_to(CORPORA).as_posix(),
            content_hash=content_hash(issue, publish_at=publish_at),
            fmt="markdown",
            publish_at=publish_at,
        )
    store = time.perf_counter() - start

    start = time.perf_counter()
    report = await ingest_paths(
        paths, profile=profile, db=db, content_dir=CORPORA, clock=SystemClock()
    )
    again = time.perf_counter() - start
    assert report.count("unchanged") == len(paths), [f.message for f in report.errors][:3]
    # The first re-ingest also records each file's fingerprint (the store above had no
    # bytes to take it from); the second is what an unchanged folder costs from then on.
    start = time.perf_counter()
    await ingest_paths(paths, profile=profile, db=db, content_dir=CORPORA, clock=SystemClock())
    steady = time.perf_counter() - start

    samples = []
    for _ in range(5):
        for query in QUERIES:
            start = time.perf_counter()
            await repo.search(query, limit=10)
            samples.append(time.perf_counter() - start)
    samples.sort()
    await db.dispose()
    print(
        f"{db.dialect:10} {name:17} {len(paths):3} files {items:5} items | "
        f"parse {parse:5.2f} s | store {store:5.2f} s ({store / len(paths) * 1000:4.1f} ms/issue)"
        f" | re-ingest unchanged {again:5.2f} s, again {steady:5.2f} s | search median "
        f"{statistics.median(samples) * 1000:5.1f} ms, p95 "
        f"{samples[int(len(samples) * 0.95)] * 1000:5.1f} ms",
        flush=True,
    )


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as folder:
        for name in NEWSLETTERS:
            with scratch(base, Path(folder), name) as url:
                asyncio.run(run(name, url))


if __name__ == "__main__":
    main()
