"""Real newsletters end to end on both platforms (issue 15, "done when").

Every sample newsletter of tests/newsletters (with its profile) and a spread of the shared
corpora (../shared/corpora, without one) is previewed as an editor would (``haishin preview
--json``), then split and drawn for Slack and LINE as the bots send it:

- the preview exits 0 and prints the document;
- nothing is lost: each section's posts give its text back, and every http(s) link of the
  source reaches readers on both platforms (a link, or a URL too long for one carried as
  text across parts);
- nothing is over a limit; every Slack payload passes slack_sdk's block models and Block Kit's
  limits, with well-formed mrkdwn; every LINE message validates against LINE's OpenAPI spec;
- the digests are valid too, and every section is reachable from the LINE carousel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from selectolax.lexbor import LexborHTMLParser
from typer.testing import CliRunner

from bots.cli import app
from bots.line.flex import issue_command
from bots.line.postback import decode
from bots.line.render import LineRenderer
from bots.slack.render import SlackRenderer
from core.model import Issue, Post, Suggestion
from core.overview import summarize
from core.parsing import format_of, load_issue
from core.parsing.decode import decode_source
from core.parsing.dialects import strip_mdx
from core.profile import Profile
from core.splitting import split_issue
from tests.conftest import CORPORA
from tests.core.parsing.losscheck import body_of
from tests.core.splitting.strategies import check_posts
from tests.fakes.payloads import assert_valid_line, assert_valid_slack
from tests.newsletter_samples import NEWSLETTERS, all_sample_files, sample_profile

# A spread of the shared corpora: every n-th issue, so each kind of issue is met.
SHARED = {
    "this-week-in-rust": ("this-week-in-rust/*.md", 10),
    "jser": ("jser/posts/*.md", 12),
    "deno-weekly": ("deno-weekly/articles/**/*.md", 10),
}
_MD = MarkdownIt("commonmark", {"html": True}).enable(["table"]).use(footnote_plugin)
_TEMPLATE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}")
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|[^>]*)?>")
_SLACK_TAG = re.compile(r"<[^<>]*>")
runner = CliRunner()


def _cases() -> Iterator[Any]:
    for name, path in all_sample_files():
        yield pytest.param(name, path, id=f"{name}/{path.name}")
    for corpus, (pattern, step) in SHARED.items():
        files = sorted(CORPORA.glob(pattern))[::step] if CORPORA.is_dir() else []
        for path in files:
            yield pytest.param(corpus, path, id=f"{corpus}/{path.name}")


CASES = list(_cases())


def _profile(name: str) -> Profile:
    return sample_profile(name) if (NEWSLETTERS / name).is_dir() else Profile.default(name)


@cache
def _renderers(name: str) -> tuple[SlackRenderer, LineRenderer]:
    profile = _profile(name)
    return SlackRenderer(profile), LineRenderer(profile)


@pytest.mark.parametrize(("name", "path"), CASES)
def test_every_issue_previews(name: str, path: Path, tmp_path: Path) -> None:
    content = NEWSLETTERS / name if (NEWSLETTERS / name).is_dir() else tmp_path / "content"
    if not content.is_dir():
        content.mkdir()
        (content / "newsletter.toml").write_text(f'name = "{name}"\n', encoding="utf-8")
    env = {"HAISHIN_CONTENT_DIR": str(content), "COLUMNS": "200"}
    result = runner.invoke(app, ["preview", str(path), "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    document = json.loads(result.output)
    assert document["issue"]["sections"] and document["posts"]


@pytest.mark.parametrize(("name", "path"), CASES)
def test_every_post_fits_validates_and_keeps_text_and_links(name: str, path: Path) -> None:
    issue = load_issue(path, _profile(name))
    links = source_links(path)
    slack, line = _renderers(name)
    for renderer in (slack, line):
        posts = split_issue(issue, renderer.limits)
        check_posts(issue, posts, renderer.limits)
    slack_posts = split_issue(issue, slack.limits)
    slack_payloads = [slack.post(post) for post in slack_posts]
    for payload in slack_payloads:
        assert_valid_slack(payload)
    line_posts = split_issue(issue, line.limits)
    line_messages = [line.post(post) for post in line_posts]
    for start in range(0, len(line_messages), 5):
        assert_valid_line(line_messages[start : start + 5])
    assert_links_reach(links, slack_haystack(slack_payloads), "slack", path)
    assert_links_reach(links, line_haystack(line_posts, line_messages), "line", path)


@pytest.mark.parametrize(("name", "path"), CASES)
def test_digests_are_valid_and_reach_every_section(name: str, path: Path) -> None:
    profile = _profile(name)
    issue = load_issue(path, profile)
    overview = summarize(issue, profile)
    slack, line = _renderers(name)
    assert_valid_slack(slack.digest(overview, threaded=True))
    carousel = line.digest(overview)
    buttons = [Suggestion(s.label, issue_command(overview.issue, s.key)) for s in overview.sections]
    quick = line.quick_reply(buttons, None, profile.language)
    assert_valid_line([{**carousel, "quickReply": quick} if quick else carousel])
    commands = {
        found.command
        for action in _actions(carousel)
        if (found := decode(action.get("data", ""))) is not None
    }
    for section in issue.sections:
        assert issue_command(issue.ref, section.key) in commands, (section.key, len(commands))


# ---- checks ------------------------------------------------------------------------------


def _actions(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "postback":
            yield node
        for value in node.values():
            yield from _actions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _actions(value)


# ---- links -------------------------------------------------------------------------------


def source_links(path: Path) -> set[str]:
    """Every http(s) link target a reader of the page could follow (not images), read with
    markdown-it and selectolax, independently of the parser."""
    body = body_of(decode_source(path.read_bytes(), name=str(path)))
    if format_of(path.name) == "mdx":
        body = strip_mdx(body)
    found: set[str] = set()
    for token in _MD.parse(_TEMPLATE.sub("", body)):
        for child in token.children or ():
            href = child.attrGet("href") if child.type == "link_open" else None
            if isinstance(href, str) and href.startswith(("http://", "https://")):
                found.add(href)
        if token.type == "html_block":
            tree = LexborHTMLParser(token.content)
            for anchor in tree.css("a[href]"):
                href = anchor.attributes.get("href") or ""
                if href.startswith(("http://", "https://")) and (anchor.text() or "").strip():
                    found.add(href)
    return found


def _squeeze(text: str) -> str:
    """Without white space, nor the bullet marks a bullet cut across parts shows again."""
    return re.sub(r"[\s•◦▪・]+", "", text)


def slack_haystack(payloads: list[dict[str, Any]]) -> tuple[set[str], str]:
    """The link targets of the posts' bodies, and their text in order (URLs cut across parts
    read whole again); headers and context lines are decoration and left out."""
    targets: set[str] = set()
    texts: list[str] = []
    for payload in payloads:
        for block in payload["blocks"]:
            if block["type"] != "section":
                continue
            text = block["text"]["text"]
            for match in _SLACK_LINK.finditer(text):
                target = match[1].replace("&amp;", "&")
                targets.add(unquote(target))
            plain = _SLACK_TAG.sub(" ", text).replace("`", "")
            texts.append(plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    return targets, _squeeze("".join(texts))


def line_haystack(posts: list[Post], messages: list[dict[str, Any]]) -> tuple[set[str], str]:
    """LINE shows a link's address in the text: the messages' text without their header."""
    del posts
    body = "".join(message["text"].split("\n", 1)[1] for message in messages)
    return set(), _squeeze(body)


def assert_links_reach(
    links: set[str], haystack: tuple[set[str], str], platform: str, path: Path
) -> None:
    targets, text = haystack
    for url in sorted(links):
        whole = unquote(url)
        assert whole in targets or _squeeze(whole) in _squeeze(unquote(text)), (
            f"{path.name}: {platform} lost the link {url[:120]}"
        )


def _issue_text(issue: Issue) -> str:  # pragma: no cover - for debugging a failure
    return "\n".join(i.text for s in issue.sections for i in s.items)
