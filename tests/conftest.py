"""Shared fixtures: where things are, and the sample newsletter's profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.profile import Profile, load_profile

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
SAMPLE = CONTENT / "issues" / "2025-10-04.txt"
# The corpora live beside the checkout (../shared/corpora), in CI as on a developer machine.
CORPORA = ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def profile() -> Profile:
    """The sample newsletter's profile (content/newsletter.toml)."""
    return load_profile(CONTENT / "newsletter.toml")


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(f"corpora not found at {CORPORA}; check out the shared folder beside the repo")
    return CORPORA
