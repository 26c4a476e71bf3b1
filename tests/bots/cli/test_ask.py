"""``haishin ask`` run as a subprocess (issue 16): what each bot would send, drawn by that
bot; subscription requests answered and explained; ``--json`` with every answer's payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.bots.cli.process import haishin, sandbox


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("ask")
    env = sandbox(root)
    assert haishin(env, "ingest", cwd=root).status == 0
    return root, env


def ask_json(home: tuple[Path, dict[str, str]], *args: str) -> dict[str, Any]:
    root, env = home
    done = haishin(env, "ask", *args, "--json", cwd=root)
    assert done.status == 0, done.err
    document: dict[str, Any] = json.loads(done.out)
    return document


@pytest.mark.parametrize(
    ("text", "platform", "says"),
    [
        ("unsubscribe", "slack", "is unsubscribed"),
        ("設定", "slack", "購読していません"),
        ("unsubscribe", "line", "Deliveries stopped"),
        ("設定", "line", "いまは配信していません"),
    ],
)
def test_subscription_requests_print_the_answer_and_what_the_bot_would_do(
    home: tuple[Path, dict[str, str]], text: str, platform: str, says: str
) -> None:
    root, env = home
    done = haishin(env, "ask", text, "--platform", platform, cwd=root)
    assert done.status == 0, done.err
    assert says in done.out
    assert "changes nothing" in done.said


def test_slack_and_line_each_show_what_their_bot_sends(
    home: tuple[Path, dict[str, str]],
) -> None:
    root, env = home
    slack = haishin(env, "ask", "最新トピック", "--platform", "slack", cwd=root)
    line = haishin(env, "ask", "最新トピック", "--platform", "line", cwd=root)
    assert slack.status == line.status == 0
    assert slack.out != line.out
    assert "【トピック】 1/2" in line.out and "【トピック】 2/2" in line.out  # one message a part
    assert "・事業モデル:Nvidia GPU" in line.out  # LINE's bullet mark
    assert "【" not in slack.out  # Slack's header is a header block
    assert "• 事業モデル:Nvidia GPU" in slack.out  # Slack's bullet mark
    assert "── Slack message ──" in slack.out  # both parts packed into one Slack message
    assert "[ 気になった記事 ]" in line.out  # LINE's quick replies


@pytest.mark.parametrize(
    ("text", "intent", "says"),
    [
        ("help", "help", "You can send"),
        ("検索 CoreWeave", "search", "CoreWeave"),
        ("設定", "settings", "いまは配信していません"),
        ("latest", "digest", "CoreWeave"),
    ],
)
def test_json_has_the_payloads_of_every_answer(
    home: tuple[Path, dict[str, str]], text: str, intent: str, says: str
) -> None:
    document = ask_json(home, text, "--platform", "line")
    assert document["intent"] == intent
    assert document["posts"], document
    assert document["messages"] == [post["payload"] for post in document["posts"]]
    assert says in json.dumps(document["messages"], ensure_ascii=False)
    assert all(post["platform"] == "line" and post["section"] is None for post in document["posts"])


def test_json_of_a_section_keeps_one_post_a_part_with_its_payload(
    home: tuple[Path, dict[str, str]],
) -> None:
    document = ask_json(home, "latest topic", "--platform", "slack")
    assert [(p["section"], p["part"], p["parts"]) for p in document["posts"]] == [
        ("topic", 1, 2),
        ("topic", 2, 2),
    ]
    assert document["posts"][0]["payload"]["blocks"]
    assert len(document["messages"]) == 1  # what the Slack bot sends: one message, both parts


def test_each_bot_pages_a_long_answer_as_it_does(tmp_path: Path) -> None:
    env = sandbox(tmp_path)
    paragraph = "AIインフラへの投資が続いています。" * 50  # about 900 characters
    long_issue = "トピック\n🚀 長い話\n" + "\n\n".join([paragraph] * 9) + "\n"
    issues = tmp_path / "content" / "issues"
    (issues / "2025-10-11.txt").write_text(long_issue, encoding="utf-8")
    assert haishin(env, "ingest", cwd=tmp_path).status == 0
    home = (tmp_path, env)
    slack = ask_json(home, "issue 2 topic", "--platform", "slack")
    line = ask_json(home, "issue 2 topic", "--platform", "line")
    total = slack["posts"][0]["parts"]
    assert total > 5
    assert len(slack["posts"]) == 3 and slack["more"] is not None  # Slack: three an answer
    assert len(line["posts"]) == 5 and line["more"] is not None  # LINE: five (one reply)
    assert len(line["messages"]) == 5
