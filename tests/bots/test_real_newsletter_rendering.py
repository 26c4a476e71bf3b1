"""What readers get of real newsletters on Slack and LINE (issue 15, items 1, 3, 5 and 6).

Each test starts from a real issue (tests/newsletters or ../shared/corpora); where the issue
needs a harder case than it has (a tracking link of thousands of characters), the case is
made by lengthening one of its real links, as a mail tool's tracking parameters would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app
from bots.console.issue_view import build_issue_view
from bots.line.postback import decode
from bots.line.render import LineRenderer
from bots.slack.render import SlackRenderer
from core.overview import summarize
from core.parsing import load_issue
from core.profile import Profile
from core.splitting import split_issue
from tests.conftest import CORPORA
from tests.core.splitting.strategies import check_posts
from tests.fakes.payloads import assert_mrkdwn, assert_valid_line, assert_valid_slack
from tests.newsletter_samples import NEWSLETTERS, load_sample, sample_path, sample_profile

runner = CliRunner()
OPTECH = "bitcoin-optech-en"
ISSUE = "2026-08-21-newsletter.md"
REAL_LINK = "https://delvingbitcoin.org/t/superscalar-an-implementation-report/2705"


def tracking(url: str, length: int) -> str:
    """The real ``url`` with tracking parameters appended up to ``length`` characters."""
    query = "?utm_source=newsletter&utm_medium=email&mc_eid="
    pad = length - len(url) - len(query)
    return url + query + "".join(f"{n % 10}" for n in range(pad))


def lengthened(tmp_path: Path, length: int, *, bare: bool = False) -> tuple[Path, str]:
    """The real Optech issue with one of its links made ``length`` characters long."""
    text = sample_path(OPTECH, ISSUE).read_text(encoding="utf-8")
    long_url = tracking(REAL_LINK, length)
    assert f"]: {REAL_LINK}" in text
    text = text.replace(f"]: {REAL_LINK}", f"]: {long_url}")
    if bare:  # also as a bare URL in the text
        text = text.replace("## News\n", f"## News\n\nThe report: {long_url} (long).\n", 1)
    path = tmp_path / ISSUE
    path.write_text(text, encoding="utf-8")
    return path, long_url


def preview(path: Path) -> dict[str, object]:
    env = {"HAISHIN_CONTENT_DIR": str(NEWSLETTERS / OPTECH), "COLUMNS": "200"}
    result = runner.invoke(app, ["preview", str(path), "--json"], env=env)
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.output)
    return document


@pytest.mark.parametrize("bare", [False, True], ids=["markdown-link", "bare-url"])
def test_a_3000_character_tracking_link_previews_and_reaches_slack_as_text(
    tmp_path: Path, bare: bool
) -> None:
    path, long_url = lengthened(tmp_path, 3000, bare=bare)
    document = preview(path)
    posts = document["posts"]
    assert isinstance(posts, list)
    slack = [p for p in posts if p["platform"] == "slack"]
    for post in slack:
        assert_valid_slack(post["payload"])
    body = "".join(
        block["text"]["text"]
        for post in slack
        for block in post["payload"]["blocks"]
        if block["type"] == "section"
    )
    # Slack takes no link that long: its address goes out as code text, cut across parts.
    assert f"<{long_url}" not in body
    # (a bullet cut across parts shows its marker again on each part)
    assert long_url in re.sub(r"[`\s•]", "", body).replace("&amp;", "&")
    # LINE takes it whole, in one message.
    line = [p for p in posts if p["platform"] == "line"]
    assert any(long_url in p["payload"]["text"] for p in line)
    for start in range(0, len(line), 5):
        assert_valid_line([p["payload"] for p in line[start : start + 5]])
    # The posts still give the newsletter's text back: the carried address is no part of it.
    issue = load_issue(path, sample_profile(OPTECH))
    renderer = SlackRenderer(sample_profile(OPTECH))
    check_posts(issue, split_issue(issue, renderer.limits), renderer.limits)


def test_a_link_longer_than_a_line_message_is_carried_on_both_platforms(tmp_path: Path) -> None:
    path, long_url = lengthened(tmp_path, 6000)
    profile = sample_profile(OPTECH)
    issue = load_issue(path, profile)
    line = LineRenderer(profile)
    posts = split_issue(issue, line.limits)
    check_posts(issue, posts, line.limits)
    messages = [line.post(post) for post in posts]
    for start in range(0, len(messages), 5):
        assert_valid_line(messages[start : start + 5])
    text = "".join(m["text"].split("\n", 1)[1] for m in messages)
    assert long_url in re.sub(r"[\s・]", "", text)


def test_the_console_lists_a_link_too_long_for_a_platform(tmp_path: Path) -> None:
    path, long_url = lengthened(tmp_path, 3000)
    profile = sample_profile(OPTECH)
    issue = load_issue(path, profile)
    view = build_issue_view(
        issue, profile, {"slack": SlackRenderer(profile), "line": LineRenderer(profile)}
    )
    notes = [n.message for section in view.sections for n in section.notes]
    [note] = [n for n in notes if "3,0" in n]
    assert note.startswith("Slack: a link of 3,000 characters")
    assert long_url[:60] in note
    assert any(note in p.message for p in view.problems)


def test_a_linked_headline_in_the_slack_digest_is_one_link(tmp_path: Path) -> None:
    profile = sample_profile("nodejs-ko-weekly")
    issue = load_sample("nodejs-ko-weekly", "2016-11-24-weekly.md")
    slack = SlackRenderer(profile)
    payload = slack.digest(summarize(issue, profile), threaded=True)
    assert_valid_slack(payload)
    [line] = [
        text
        for block in payload["blocks"]
        if block["type"] == "section"
        for text in block["text"]["text"].split("\n")
        if "v7.2.0" in text
    ]
    links = re.findall(r"<(https?://[^|>]+)\|([^>]*)>", line)
    # One link for the three words of its text, not one a word (the URL said once).
    assert links[0] == ("https://nodejs.org/en/blog/release/v7.2.0/", "Node v7.2.0(현재 버전)")
    assert line.count("https://nodejs.org/en/blog/release/v7.2.0/") == 1


def test_a_huge_link_in_a_digest_excerpt_never_breaks_the_mrkdwn(tmp_path: Path) -> None:
    text = sample_path("nodejs-ko-weekly", "2016-11-24-weekly.md").read_text(encoding="utf-8")
    long_url = tracking("https://nodejs.org/en/blog/release/v7.2.0/", 5000)
    path = tmp_path / "2016-11-24-weekly.md"
    path.write_text(text.replace("https://nodejs.org/en/blog/release/v7.2.0/", long_url))
    profile = sample_profile("nodejs-ko-weekly")
    issue = load_issue(path, profile)
    payload = SlackRenderer(profile).digest(summarize(issue, profile))
    assert_valid_slack(payload)
    for block in payload["blocks"]:
        if block["type"] == "section":
            assert_mrkdwn(block["text"]["text"])
            assert len(block["text"]["text"]) <= 3000


@pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora not checked out")
def test_a_link_whose_text_is_code_keeps_its_address_on_slack() -> None:
    issue = load_issue(CORPORA / "deno-weekly/articles/2026/03/22.md", Profile.default())
    slack = SlackRenderer(Profile.default())
    bodies = [
        block["text"]["text"]
        for post in split_issue(issue, slack.limits)
        for block in slack.post(post)["blocks"]
        if block["type"] == "section"
    ]
    target = (
        "https://github.com/open-telemetry/semantic-conventions/blob/"
        "1b8c3ba4ef1bf97f79553fdfe558fe4c2a70a0e5/docs/registry/attributes/log.md"
        "#general-log-attributes"
    )
    assert any(f"<{target}|log.iostream>" in body for body in bodies)


@pytest.mark.parametrize(
    ("name", "file", "sections"),
    [
        ("bitcoin-optech-zh", "2021-12-22-newsletter.md", 16),
        ("bitcoin-optech-ja", "2021-12-22-newsletter.md", 15),
        ("bitcoin-optech-en", "2021-12-22-newsletter.md", 15),
    ],
)
def test_a_yearly_review_of_more_than_12_sections_reaches_each_from_the_line_carousel(
    name: str, file: str, sections: int
) -> None:
    profile = sample_profile(name)
    issue = load_sample(name, file)
    assert len(issue.sections) == sections
    carousel = LineRenderer(profile).digest(summarize(issue, profile))
    assert_valid_line([carousel])
    bubbles = carousel["contents"]["contents"]
    assert len(bubbles) == 12  # LINE's most, the last one listing the rest
    data = json.dumps(bubbles)
    commands = {
        found.command
        for found in (decode(d) for d in re.findall(r'"data": "([^"]+)"', data))
        if found is not None
    }
    assert commands == {f"latest {section.key}" for section in issue.sections}
    more = bubbles[-1]
    assert len(more["body"]["contents"]) == sections - 11  # a button per remaining section
