"""Every real newsletter in ../shared/corpora parses, keeps all its text, and finds its items.

The loss check (``losscheck``) does not trust the parser: markdown-it and selectolax give the
file's text runs, and each must appear, in order, in the parsed issue's text.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from core.parsing import load_issue
from core.profile import Profile
from core.textnorm import squash
from tests.core.parsing.losscheck import assert_nothing_lost

CORPORA = Path(__file__).resolve().parents[3].parent / "shared" / "corpora"
SETS = {
    "this-week-in-rust": "this-week-in-rust/*.md",
    "jser": "jser/posts/*.md",
    "deno-weekly": "deno-weekly/articles/**/*.md",
}
FILES = sorted(
    str(path.relative_to(CORPORA)) for pattern in SETS.values() for path in CORPORA.glob(pattern)
)


@pytest.fixture(scope="module")
def default_profile() -> Profile:
    return Profile.default()


@pytest.mark.parametrize("relative", FILES)
def test_corpus_file_parses_without_losing_text(
    relative: str, corpora: Path, default_profile: Profile
) -> None:
    path = corpora / relative
    issue = load_issue(path, default_profile)
    assert issue.sections
    assert issue.date is not None  # every corpus file name or front matter dates it
    assert_nothing_lost(path.read_text(encoding="utf-8"), issue)


def test_corpus_is_all_there(corpora: Path) -> None:
    counts = Counter(relative.split("/")[0] for relative in FILES)
    assert counts == {"this-week-in-rust": 100, "jser": 123, "deno-weekly": 100}


def test_this_week_in_rust_sections(corpora: Path, default_profile: Profile) -> None:
    issue = load_issue(
        corpora / "this-week-in-rust/2026-08-19-this-week-in-rust.md", default_profile
    )
    assert (issue.number, issue.title) == (665, "This Week in Rust 665")
    keys = [s.key for s in issue.sections]
    assert keys[:3] == ["intro", "updates-from-rust-community", "crate-of-the-week"]
    assert "quote-of-the-week" in keys  # the stray "# Quote of the Week"
    community = issue.section("updates-from-rust-community")
    assert community is not None
    assert [i.title for i in community.items][:3] == [
        "Official",
        "Newsletters",
        "Project/Tooling Updates",
    ]


def test_deno_weekly_sections(corpora: Path, default_profile: Profile) -> None:
    issue = load_issue(corpora / "deno-weekly/articles/2026/07/19.md", default_profile)
    assert issue.title == "2026/07/13〜2026/07/19の最新情報"
    release = issue.sections[0]
    assert (release.key, release.title) == ("deno-v2-9-3", "Deno v2.9.3")
    assert [i.title for i in release.items][:3] == [None, "deno add/deno install", "deno compile"]


# JSer.info's genre headings and the categories its own parser (@jser/post-parser) gives.
GENRES = {
    "ヘッドライン": "Headline",
    "アーティクル": "Article",
    "ソフトウェア、ツール、ライブラリ関係": "SoftwareLibrary",
    "スライド、動画関係": "SlideVideo",
    "サイト、サービス、ドキュメント": "WebsiteDocument",
    "サイト、サービス": "WebsiteDocument",
    "書籍関係": "Book",
}
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _their_title(title: str) -> str:
    # Upstream keeps titles as raw Markdown: backslash escapes and HTML entities included.
    return squash(html.unescape(_ESCAPE.sub(r"\1", title)))


def test_jser_items_agree_with_the_upstream_parser(
    corpora: Path,
    default_profile: Profile,
    record_property: Callable[[str, object], None],
) -> None:
    total = agreed = 0
    defective: Counter[str] = Counter()
    for path in sorted((corpora / "jser/posts").glob("*.md")):
        issue = load_issue(path, default_profile)
        ours = Counter(
            (GENRES[s.title], squash(item.title))
            for s in issue.sections
            if s.title in GENRES
            for item in s.items
            if item.title
        )
        data = json.loads((corpora / "jser/posts-parsed" / f"{path.name}.json").read_text())
        theirs = Counter((it["category"], _their_title(it["title"])) for it in data["items"])
        total += sum(theirs.values())
        agreed += sum((ours & theirs).values())
        headings = {
            squash(line[3:])
            for line in path.read_text(encoding="utf-8").split("\n")
            if line.startswith("## ")
        }
        missed = theirs - ours
        for _category, title in missed:
            # Where we disagree, upstream's title is not a heading of the post at all: its
            # parser shifted the title text (e.g. "SLint v3.18.0 released … [es").
            assert title not in headings, f"{path.name}: missed {title!r}"
            defective[path.name] += 1
        if not missed:
            assert ours == theirs, f"{path.name}: items upstream does not have"
    rate = agreed / total
    record_property("jser_agreement", f"{agreed}/{total} = {rate:.1%}")
    clean = total - sum(defective.values())
    assert agreed == clean, "every item upstream parsed correctly is found"
    assert rate > 0.9, f"agreement {agreed}/{total}; upstream-defective posts: {dict(defective)}"
