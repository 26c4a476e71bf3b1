"""Splitter benchmark: ``split_issue`` alone over parsed (or generated) issues.

Run: ``uv run python bench/bench_split.py [--repeat N] [--generated N]``.

By default it parses every Markdown file of ../shared/corpora once (This Week in Rust, JSer,
週刊Deno), then times splitting all of them for each platform's real limits (the Slack and
LINE renderers' ``limits``), best of ``--repeat`` runs, next to markdown-it-py's bare parse of
the same files in the same run. ``--generated N`` splits N synthetic long Japanese issues
instead (no parser needed).

``time_split`` takes any list of issues, so the combined parse-and-split benchmark can reuse it.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from core.model import Block, BlockKind, Issue, Item, Section, Span
from core.profile import Profile
from core.splitting import Limits, split_issue

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
MARKDOWN = ("this-week-in-rust/*.md", "jser/posts/*.md", "deno-weekly/articles/**/*.md")


@dataclass(frozen=True, slots=True)
class SplitTiming:
    """One platform's split of a set of issues: best wall time and what came out."""

    platform: str
    seconds: float
    issues: int
    items: int
    posts: int
    multi_part_items: int


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs of ``run``, in seconds (GC off while timing)."""
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


def time_split(issues: Sequence[Issue], limits: Limits, *, repeat: int = 5) -> SplitTiming:
    """Time ``split_issue`` over every issue for one platform's limits.

    Args:
        issues: parsed issues (parse them beforehand: only splitting is timed).
        limits: the platform's limits (a renderer's ``limits``).
        repeat: runs to take the best of.
    """
    posts = [post for issue in issues for post in split_issue(issue, limits)]
    seconds = best_of(repeat, lambda: [split_issue(issue, limits) for issue in issues])
    parts = {(id(p.issue), p.section_key, p.item): p.parts for p in posts}
    return SplitTiming(
        platform=limits.platform,
        seconds=seconds,
        issues=len(issues),
        items=sum(len(s.items) for issue in issues for s in issue.sections),
        posts=len(posts),
        multi_part_items=sum(1 for n in parts.values() if n > 1),
    )


def platform_limits(profile: Profile) -> list[Limits]:
    """The Slack and LINE renderers' limits, or plain ones where a renderer is missing."""
    found: list[Limits] = []
    try:
        from bots.slack.render import SlackRenderer

        found.append(SlackRenderer(profile).limits)
    except ImportError:
        found.append(Limits("slack", 11_000, target_chars=profile.target_post_chars))
    try:
        from bots.line.render import LineRenderer

        found.append(LineRenderer(profile).limits)
    except ImportError:
        found.append(Limits("line", 4900, target_chars=profile.target_post_chars))
    return found


def corpus_files(root: Path = CORPORA) -> list[Path]:
    """Every Markdown issue of the corpora, in a stable order."""
    return sorted(path for pattern in MARKDOWN for path in root.glob(pattern))


def parse_corpus(files: Sequence[Path], profile: Profile) -> list[Issue]:
    """Parse the corpus files with ``core.parsing``."""
    from core.parsing import load_issue

    return [load_issue(path, profile) for path in files]


def generated_issues(count: int) -> list[Issue]:
    """Synthetic issues: long Japanese topics with sub-headings, bullets, links and bold."""
    sentence = "AIインフラの新星が、巨額の契約を発表し、市場は即座に反応しました。"
    issues = []
    for n in range(count):
        blocks: list[Block] = []
        for group in range(6):
            blocks.append(Block(BlockKind.SUBHEADING, (Span(f"見出し{group}"),)))
            blocks.append(
                Block(
                    BlockKind.PARAGRAPH,
                    (
                        Span(sentence * 3),
                        Span("外部の高速インフラ", bold=True),
                        Span("の詳細", href=f"https://example.com/{n}/{group}"),
                        Span(sentence * 2),
                    ),
                )
            )
            blocks.extend(Block(BlockKind.BULLET, (Span(sentence),)) for _ in range(3))
        item = Item((Span(f"🚀 トピック{n}"),), tuple(blocks))
        short = Item((Span("📚 小ネタ"),), (Block(BlockKind.PARAGRAPH, (Span(sentence * 4),)),))
        sections = (
            Section("topic", "トピック", (item,)),
            Section("shorts", "小ネタ", (short, short)),
        )
        issues.append(Issue(sections=sections, number=n + 1))
    return issues


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--generated", type=int, default=0, metavar="N")
    args = parser.parse_args()
    profile = Profile.default()

    if args.generated:
        issues = generated_issues(args.generated)
        print(f"{len(issues)} generated issues")
        markdown_seconds = None
    else:
        files = corpus_files()
        texts = [path.read_text(encoding="utf-8") for path in files]
        chars = sum(len(text) for text in texts)
        md = MarkdownIt("commonmark")
        markdown_seconds = best_of(args.repeat, lambda: [md.parse(text) for text in texts])
        parse_seconds = best_of(1, lambda: parse_corpus(files, profile))
        issues = parse_corpus(files, profile)
        print(f"{len(files)} Markdown files, {chars / 1e6:.2f} M characters")
        print(f"  markdown-it-py parse : {markdown_seconds * 1000:8.1f} ms")
        print(f"  core.parsing         : {parse_seconds * 1000:8.1f} ms (one run)")

    for limits in platform_limits(profile):
        timing = time_split(issues, limits, repeat=args.repeat)
        ratio = (
            f" ({timing.seconds / markdown_seconds:.2f}x markdown-it)" if markdown_seconds else ""
        )
        print(
            f"  split {timing.platform:<5}          : {timing.seconds * 1000:8.1f} ms{ratio}; "
            f"{timing.items} items -> {timing.posts} posts, "
            f"{timing.multi_part_items} items in several parts"
        )


if __name__ == "__main__":
    main()
