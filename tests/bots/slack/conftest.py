"""Fixtures for the Slack adapter: the fake Slack API, the sample issue, a renderer."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.slack.render import SlackRenderer
from core.model import Issue
from core.parsing import load_issue
from core.profile import Profile
from tests.fakes.slack_api import FakeSlackAPI


@pytest.fixture
def slack_api() -> Iterator[FakeSlackAPI]:
    """A fresh fake Slack Web API on loopback."""
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def renderer(profile: Profile) -> SlackRenderer:
    return SlackRenderer(profile)


@pytest.fixture(scope="session")
def sample_issue(profile: Profile, sample_path: Path) -> Issue:
    """The sample issue as storage numbers it (the first issue: number 1)."""
    return dataclasses.replace(load_issue(sample_path, profile), number=1)


class FakeTime:
    """A monotonic clock and a sleep that only moves it (for the rate limiter)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
