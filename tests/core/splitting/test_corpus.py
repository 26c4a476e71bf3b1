"""The splitter's invariants over every real newsletter in ../shared/corpora and the sample.

Each issue is parsed by ``core.parsing`` and split for a Slack-like, a LINE-like and a
deliberately tiny platform; every post must fit, and the posts of each section must give
the section back exactly, with parts in order and no part ending on a sub-heading.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from core.model import BlockKind, Issue, Post
from core.profile import Profile
from core.splitting import Limits, split_issue
from tests.core.splitting.strategies import check_posts, slack_measure, utf16_measure

parsing = pytest.importorskip(
    "core.parsing", reason="core.parsing (load_issue) has not landed yet; corpus split skipped"
)

DEFAULT = Profile.default()
SETS = {
    "this-week-in-rust": "this-week-in-rust/*.md",
    "jser": "jser/posts/*.md",
    "deno-weekly": "deno-weekly/articles/**/*.md",
}
LIMITS = {
    "slack": Limits("slack", 11_000, slack_measure, 1000, max_block_size=3000),
    "line": Limits("line", 5000, utf16_measure, 1000),
    "small-slack": Limits("small-slack", 1000, slack_measure, 300, max_block_size=700),
    # Links count no href here: a Slack-like measure could not fit a 150-character URL at all.
    "tiny": Limits("tiny", 200, utf16_measure, 150, max_block_size=120),
}


@cache
def _parsed(path: Path) -> Issue:
    """A corpus issue, parsed once for all the platforms (no profile names its sections)."""
    return parsing.load_issue(path, DEFAULT)  # type: ignore[no-any-return]


def _check(issue: Issue, path: Path, limits: Limits) -> list[Post]:
    posts = split_issue(issue, limits)
    try:
        check_posts(issue, posts, limits)
        if limits.platform not in ("tiny", "small-slack"):
            for post in posts:
                if post.part < post.parts and post.blocks:
                    assert post.blocks[-1].kind is not BlockKind.SUBHEADING, "orphan heading"
    except AssertionError as error:
        raise AssertionError(f"{path.name} ({limits.platform}): {error}") from error
    return posts


@pytest.mark.parametrize("platform", sorted(LIMITS))
@pytest.mark.parametrize("corpus", sorted(SETS))
def test_every_corpus_issue_splits_within_limits_without_loss(
    corpus: str, platform: str, corpora: Path
) -> None:
    files = sorted(corpora.glob(SETS[corpus]))
    assert files, f"no files for {corpus}"
    for path in files:
        _check(_parsed(path), path, LIMITS[platform])


@pytest.mark.parametrize("platform", sorted(LIMITS))
def test_the_sample_issue_splits_within_limits_without_loss(
    platform: str, sample_path: Path, profile: Profile
) -> None:
    issue = parsing.load_issue(sample_path, profile)
    posts = _check(issue, sample_path, LIMITS[platform])
    topic = [p for p in posts if p.section_key == "topic"]
    if platform in ("slack", "line"):
        assert len(topic) == 2
        assert topic[1].blocks[0].kind is BlockKind.SUBHEADING
