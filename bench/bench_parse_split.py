"""Parse and split the whole corpus, next to markdown-it-py alone parsing the same files.

Run: ``uv run python bench/bench_parse_split.py [--repeat N]``

Every Markdown issue of ../shared/corpora (This Week in Rust, JSer.info, 週刊Deno) is read
into memory once. Then, best of ``--repeat`` runs, CPU time of:

- markdown-it-py's bare ``MarkdownIt("commonmark").parse`` of the Markdown files,
- haishin's ``parse_issue`` (decode, front matter, Markdown, structure) of the same files,
- ``parse_issue`` + ``split_issue`` for Slack, and for LINE (each platform's real limits).

The goal (issue 2) is parse + split within 2× of markdown-it-py alone. Last, the time to
split the sample issue (plain text, not in the corpus figures) for LINE.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from bots.line.render import LineRenderer
from bots.slack.render import SlackRenderer
from core.parsing import parse_issue
from core.profile import Profile, load_profile
from core.splitting import split_issue

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
MARKDOWN = ("this-week-in-rust/*.md", "jser/posts/*.md", "deno-weekly/articles/**/*.md")


def best_cpu(repeat: int, run: Callable[[], object]) -> float:
    """The least CPU time of ``repeat`` runs (GC collected before, off during)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            run()
            best = min(best, time.process_time() - start)
        finally:
            gc.enable()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"corpora not found at {CORPORA}")
    files = sorted(p for pattern in MARKDOWN for p in CORPORA.glob(pattern))
    sources = [(p.name, p.read_bytes()) for p in files]
    texts = [data.decode("utf-8-sig") for _, data in sources]
    default = Profile.default()
    sample_profile = load_profile(ROOT / "content" / "newsletter.toml")
    sample = (ROOT / "content" / "issues" / "2025-10-04.txt").read_bytes()
    slack = SlackRenderer(sample_profile).limits
    line = LineRenderer(sample_profile).limits
    md = MarkdownIt("commonmark")

    def markdown_it() -> None:
        for text in texts:
            md.parse(text)

    def parse_all() -> list[object]:
        return [parse_issue(data, name=name, profile=default) for name, data in sources]

    def parse_split(limits: object) -> Callable[[], None]:
        def run() -> None:
            for name, data in sources:
                split_issue(parse_issue(data, name=name, profile=default), limits)  # type: ignore[arg-type]

        return run

    chars = sum(len(t) for t in texts)
    print(
        f"{len(files)} Markdown files, {chars / 1e6:.2f} M characters; best of {args.repeat} "
        f"(CPU time)"
    )
    base = best_cpu(args.repeat, markdown_it)
    rows = [
        ("markdown-it-py parse alone", base),
        ("haishin parse", best_cpu(args.repeat, parse_all)),
        ("haishin parse + split (Slack)", best_cpu(args.repeat, parse_split(slack))),
        ("haishin parse + split (LINE)", best_cpu(args.repeat, parse_split(line))),
    ]
    for label, seconds in rows:
        print(f"  {label:<32} {seconds * 1000:9.0f} ms  {seconds / base:5.2f}×")
    issue = parse_issue(sample, name="2025-10-04.txt", profile=sample_profile)
    per = best_cpu(50, lambda: split_issue(issue, line)) * 1e6
    print(f"  sample issue split (LINE): {per:.0f} µs")


if __name__ == "__main__":
    main()
