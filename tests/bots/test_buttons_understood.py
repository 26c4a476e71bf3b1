"""No dead buttons (issue 16): every button, postback and quick reply the Slack and LINE
renderers draw for a real newsletter is understood by the command engine.

Over every sample of tests/newsletters (with its profile) and a spread of ../shared/corpora
(without one, so every section is one the profile doesn't know): the digest as the publishers
send it, then every answer reachable by pressing buttons from there, on both platforms. Each
pressed command must answer (a digest, a section, a page...), never "I don't understand" nor
"no such section".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bots.line.flex import issue_command
from bots.line.postback import decode
from bots.line.render import LineRenderer
from bots.slack.blocks import decode_value
from bots.slack.render import SlackRenderer
from core.clock import FixedClock
from core.commands import CommandEngine, InMemoryConversations
from core.library import InMemoryLibrary
from core.model import Issue, Suggestion
from core.overview import summarize
from core.parsing import load_issue
from core.profile import Profile
from tests.conftest import CORPORA
from tests.newsletter_samples import NEWSLETTERS, all_sample_files, sample_profile

SHARED = {
    "this-week-in-rust": ("this-week-in-rust/*.md", 25),
    "jser": ("jser/posts/*.md", 30),
    "deno-weekly": ("deno-weekly/articles/**/*.md", 25),
}
NOW = datetime(2030, 1, 1, tzinfo=UTC)
MAX_PRESSES = 60  # per platform and issue: every section, its pages, and back again
ANSWERED = {"digest", "section", "list", "search", "help", "next"}


def _cases() -> Iterator[Any]:
    for name, path in all_sample_files():
        yield pytest.param(name, path, id=f"{name}/{path.name}")
    for corpus, (pattern, step) in SHARED.items():
        files = sorted(CORPORA.glob(pattern))[::step] if CORPORA.is_dir() else []
        for path in files:
            yield pytest.param(corpus, path, id=f"{corpus}/{path.name}")


def _profile(name: str) -> Profile:
    return sample_profile(name) if (NEWSLETTERS / name).is_dir() else Profile.default(name)


def slack_commands(payloads: list[dict[str, Any]]) -> list[str]:
    """The commands of every button in Slack payloads, as the bot decodes them."""
    found = []
    for payload in payloads:
        for block in payload.get("blocks", []):
            for element in block.get("elements", []) if block["type"] == "actions" else []:
                if element.get("type") == "button" and "value" in element:
                    found.append(decode_value(element["value"])[1])
    return found


def line_commands(node: Any) -> list[str]:
    """The commands of every postback and message action anywhere in LINE messages."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "postback" and "data" in node:
            decoded = decode(node["data"])
            assert decoded is not None, f"postback data the bot ignores: {node['data']!r}"
            found.append(decoded.command)
        elif node.get("type") == "message" and "text" in node:
            found.append(node["text"])
        for value in node.values():
            found += line_commands(value)
    elif isinstance(node, list):
        for value in node:
            found += line_commands(value)
    return found


def published_digests(
    issue: Issue, profile: Profile, slack: SlackRenderer, line: LineRenderer
) -> dict[str, list[str]]:
    """The commands of the digest as each publisher sends it."""
    overview = summarize(issue, profile)
    buttons = [Suggestion(s.label, issue_command(overview.issue, s.key)) for s in overview.sections]
    quick = line.quick_reply(buttons, None, profile.language)
    return {
        "slack": slack_commands([slack.digest(overview), slack.digest(overview, threaded=True)]),
        "line": line_commands([line.digest(overview), quick]),
    }


@pytest.mark.parametrize(("name", "path"), list(_cases()))
async def test_every_button_the_bots_draw_is_understood(name: str, path: Path) -> None:
    profile = _profile(name)
    issue = load_issue(path, profile)
    if issue.number is None:
        issue = replace(issue, number=1)
    engine = CommandEngine(
        InMemoryLibrary([issue]), profile, FixedClock(NOW), InMemoryConversations()
    )
    slack, line = SlackRenderer(profile), LineRenderer(profile)
    renderers: dict[str, SlackRenderer | LineRenderer] = {"slack": slack, "line": line}
    draw = {
        "slack": lambda reply: slack_commands(slack.reply(reply)),
        "line": lambda reply: line_commands(line.reply(reply)),
    }
    start = published_digests(issue, profile, slack, line)
    for platform, renderer in renderers.items():
        # The digest as published, and as the bot answers "latest".
        queue = list(dict.fromkeys([*start[platform], "latest"]))
        pressed: set[str] = set()
        while queue and len(pressed) < MAX_PRESSES:
            command = queue.pop(0)
            if command in pressed:
                continue
            pressed.add(command)
            reply = await engine.answer(command, platform=platform, limits=renderer.limits)
            assert reply.intent in ANSWERED, (
                f"{platform} button {command!r} is not understood: {reply.message}"
            )
            queue += [c for c in draw[platform](reply) if c not in pressed]
        # Every section of the issue was reached by a button.
        sections = {c.split()[2] for c in pressed if c.startswith("issue ") and len(c.split()) > 2}
        assert {s.key for s in issue.sections} <= sections, platform
