"""The real newsletters kept under tests/newsletters (see its README): paths, profiles, issues.

Each folder is laid out as a content folder (``newsletter.toml`` and ``issues/``), so a test
can point ``HAISHIN_CONTENT_DIR`` at it as an editor would.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from core.model import Issue
from core.parsing import load_issue
from core.profile import Profile, load_profile

NEWSLETTERS = Path(__file__).resolve().parent / "newsletters"
ISSUE_SUFFIXES = (".md", ".mdx", ".txt")


def newsletter_names() -> list[str]:
    """Every sample newsletter, by folder name."""
    return sorted(path.name for path in NEWSLETTERS.iterdir() if (path / "issues").is_dir())


@cache
def sample_profile(name: str) -> Profile:
    """The newsletter's profile (its ``newsletter.toml``), or the default when it has none."""
    path = NEWSLETTERS / name / "newsletter.toml"
    return load_profile(path) if path.is_file() else Profile.default(name)


def sample_files(name: str) -> list[Path]:
    """The issue files of one sample newsletter, sorted."""
    folder = NEWSLETTERS / name / "issues"
    return sorted(p for p in folder.iterdir() if p.suffix in ISSUE_SUFFIXES)


def all_sample_files() -> list[tuple[str, Path]]:
    """(newsletter, issue file) for every sample issue."""
    return [(name, path) for name in newsletter_names() for path in sample_files(name)]


def sample_path(name: str, file: str) -> Path:
    """One sample issue file."""
    return NEWSLETTERS / name / "issues" / file


@cache
def load_sample(name: str, file: str) -> Issue:
    """One sample issue, parsed with its newsletter's profile."""
    return load_issue(sample_path(name, file), sample_profile(name))
