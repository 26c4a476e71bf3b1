"""A third platform is one folder and one registry line: the toy platform in
``tests/bots/toy_platform`` shows up in ``preview``, ``ask``, ``send --dry-run``, ``doctor``,
the command table, the console, the server and ``/healthz`` without a change anywhere else
(the CLI and the console ask the platform contract; the toy leaves most of its hooks at their
defaults)."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from typer.testing import CliRunner

from bots import registry
from bots.cli import app as cli
from bots.cli import build_app
from bots.console.issue_view import build_issue_view
from bots.preview import preview_document
from bots.server import create_app
from core.parsing import load_issue
from core.profile import load_profile
from tests.bots.console.conftest import ConsoleHarness, running_console
from tests.conftest import CONTENT, SAMPLE


@pytest.fixture(autouse=True)
def toy() -> Iterator[None]:
    registry.PLATFORMS["toy"] = "tests.bots.toy_platform"  # the one registry line
    try:
        yield
    finally:
        del registry.PLATFORMS["toy"]


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[ConsoleHarness]:
    async with running_console(tmp_path) as harness:
        yield harness


def test_the_registry_lists_it_after_slack_and_line() -> None:
    assert registry.names() == ("slack", "line", "toy")
    assert registry.platform("toy").title == "Toy"
    assert registry.choices("all") == "slack, line, toy or all"
    with pytest.raises(ValueError, match="use slack, line or toy"):
        registry.platform("teams")


def test_preview_splits_the_issue_for_it_too() -> None:
    profile = load_profile(CONTENT / "newsletter.toml")
    document = preview_document(load_issue(SAMPLE, profile), profile)
    toy = [post for post in document["posts"] if post["platform"] == "toy"]
    assert toy and all(post["payload"] == {"type": "text", "text": post["text"]} for post in toy)
    assert {post["platform"] for post in document["posts"]} == {"slack", "line", "toy"}


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """A content folder with the sample issue, ingested; Slack and LINE off."""
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    env = {
        "HAISHIN_DATABASE_URL": f"sqlite:///{tmp_path / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(content),
        "SLACK_SIGNING_SECRET": "",
        "SLACK_BOT_TOKEN": "",
        "LINE_CHANNEL_SECRET": "",
        "LINE_CHANNEL_ACCESS_TOKEN": "",
    }
    assert CliRunner().invoke(cli, ["ingest"], env=env).exit_code == 0
    return env


def haishin(env: dict[str, str], *argv: str) -> str:
    """What ``haishin argv`` prints (into a pipe), after checking it succeeded."""
    result = CliRunner().invoke(cli, list(argv), env={**env, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_ask_pages_and_answers_as_its_bot_would(cli_env: dict[str, str]) -> None:
    answer = json.loads(haishin(cli_env, "ask", "latest topic", "--platform", "toy", "--json"))
    assert answer["intent"] == "section"
    assert [post["platform"] for post in answer["posts"]] == ["toy", "toy"]  # its page size
    assert answer["more"] is not None
    # Drawn for the terminal by the contract's default: each message's text, in order.
    shown = haishin(cli_env, "ask", "latest topic", "--platform", "toy")
    titles = [line for line in shown.splitlines() if line.startswith("── Toy message")]
    assert titles == ["── Toy message 1/3 ──", "── Toy message 2/3 ──", "── Toy message 3/3 ──"]
    for post in answer["posts"]:
        assert post["text"].splitlines()[0] in shown
    assert f"{answer['more']['label']}: toy:{answer['more']['command']}" in shown


def test_ask_notes_what_a_subscription_request_would_do_there(cli_env: dict[str, str]) -> None:
    answer = json.loads(haishin(cli_env, "ask", "subscribe", "--platform", "toy", "--json"))
    assert answer["intent"] == "subscribe"
    assert answer["note"] == (
        "On Toy this subscribes the conversation it is typed in; `haishin ask` changes "
        "nothing (see `haishin subscriptions`)."
    )
    # The engine leaves a subscription's words to the adapter; the toy's adds none.
    assert answer["messages"] == []
    shown = haishin(cli_env, "ask", "subscribe", "-p", "toy")
    assert shown.splitlines()[-2:] == [
        "(the Toy bot sends nothing)",
        "note: " + answer["note"],
    ]


def test_preview_measures_its_posts_as_its_splitter_does(cli_env: dict[str, str]) -> None:
    shown = haishin(cli_env, "preview", str(SAMPLE), "--platform", "toy")
    profile = load_profile(CONTENT / "newsletter.toml")
    posts = preview_document(load_issue(SAMPLE, profile), profile)["posts"]
    toy = [post for post in posts if post["platform"] == "toy"]
    assert "size / limit" in shown
    assert shown.count(" / 600") == len(toy)  # the toy renderer's limit, a row a post


def test_a_dry_run_draws_what_its_publisher_would_send(cli_env: dict[str, str]) -> None:
    shown = haishin(cli_env, "send", "latest", "--to", "toy:room", "--dry-run")
    profile = load_profile(CONTENT / "newsletter.toml")
    toy = [
        post
        for post in preview_document(load_issue(SAMPLE, profile), profile)["posts"]
        if post["platform"] == "toy"
    ]
    assert "issue #1 → toy:room (1 recipient(s))" in shown
    units = [line for line in shown.splitlines() if line.startswith("── unit ")]
    assert units == [f"── unit {p['section']}/{p['item']}/{p['part']} ──" for p in toy]
    assert toy[0]["text"].splitlines()[0] in shown
    assert f"{len(toy)} unit(s) in 1 send group(s) would go; nothing was sent" in shown


def test_doctor_runs_its_checks_after_slack_and_lines(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "HAISHIN_PUBLIC_URL": "", "COLUMNS": "200"}
    result = CliRunner().invoke(build_app(), ["doctor"], env=env)
    # The toy is on wherever it is registered (the contract's default), so the public URL
    # must be set: the one thing to fix.
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    public = next(line for line in lines if line[2:].startswith("public URL "))
    assert public.startswith("✗") and "the https address Slack, LINE and Toy reach" in public
    areas = [line[2:].split("  ")[0].strip() for line in lines[:-1]]
    assert areas[-3:] == ["LINE", "fonts", "Toy hook"]  # its own check, in the registry's order
    assert lines[-2] == "! Toy hook    no public URL: readers can't reach /toy/hook"
    assert lines[-1] == "1 thing(s) to fix (see above)"


def test_its_own_command_group_joins_the_command_table(cli_env: dict[str, str]) -> None:
    app = build_app()  # built with the toy registered (``cli`` was built before)
    assert "Toy tools." in CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    assert CliRunner().invoke(app, ["toy", "hook"]).output == "POST /toy/hook\n"
    # `haishin serve` registers serve alone: no platform's group is built there.
    assert "toy" not in CliRunner().invoke(build_app(serve_only=True), ["--help"]).output


async def test_the_console_draws_it_and_its_chat_answers(console: ConsoleHarness) -> None:
    response = await console.post("/try", {"platform": "toy", "text": "最新トピック"})
    assert response.status_code == 200
    page = HTMLParser(response.text)
    assert [tab.text(strip=True) for tab in page.css(".chat-tabs [role=tab]")] == [
        "Slack",
        "LINE",
        "Toy",
    ]
    answer = page.css_first(".exchange.toy")
    assert answer is not None
    assert "CoreWeave、Metaとの巨額契約で株価急騰" in answer.text()
    profile = console.services.profile
    view = build_issue_view(
        load_issue(SAMPLE, profile),
        profile,
        {name: registry.platform(name).renderer(profile) for name in registry.names()},
    )
    assert view.posts_on("toy") > 0 and "toy" in view.digest
    issue_page = await console.page("/issues/1")
    assert f"{view.posts_on('toy')} on Toy" in issue_page.text
    # Its own column in the issue grid, drawn by the console's plain look (it has none).
    grid = HTMLParser(issue_page.text)
    assert [logo.text() for logo in grid.css(".colhead .logo")] == ["Slack", "LINE", "Toy"]
    digest = grid.css_first("#digest-toy .plain-msg")
    assert digest is not None and digest.text().startswith(profile.name)
    posts = grid.css(".cell.toy .post .plain-msg")
    assert len(posts) == view.posts_on("toy")
    assert [post.text() for post in posts] == [
        post.post.text for section in view.sections for post in section.posts["toy"]
    ]


async def test_the_console_pages_take_its_words_and_cards_from_it(
    console: ConsoleHarness,
) -> None:
    empty = HTMLParser((await console.page("/deliveries")).text).css_first(".empty p")
    assert empty is not None and empty.text() == (
        "No subscriptions yet. A Slack channel subscribes with /haishin subscribe, a LINE "
        "friend by following the account, and an operator with haishin subscriptions add "
        "--to slack:TEAM/CHANNEL."
    )  # the toy says nothing of how to subscribe, so the sentence is Slack's and LINE's
    stats = await console.page("/stats/1")
    assert stats.status_code == 200
    page = HTMLParser(stats.text)
    assert [row.text() for row in page.css("#table-sections tbody td:first-of-type")][:3] == [
        "Slack",
        "LINE",
        "Toy",
    ]
    # Only LINE's look has a card of its own there (friends over time).
    assert [h.text() for h in page.css("section.card h2")].count("Friends over time") == 1


async def test_the_server_switches_it_on_and_healthz_says_so(console: ConsoleHarness) -> None:
    server = create_app(console.services)  # platforms built from the registry
    assert "toy" in server.state.platforms
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        health = (await http.get("/healthz")).json()
        assert health["platforms"]["toy"] == {"on": True}
        assert health["platforms"]["slack"] == {"on": False}
        answer = (await http.post("/toy/hook", content=b"latest topic")).json()
    assert len(answer) == 3  # two posts and the "more" button, as "ask" shows
    assert answer[-1]["text"].split(": ")[-1].startswith("toy:")
