"""Sizes against the platforms' limits, and a post over one shown in red at the post."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bots.console.issue_view import build_issue_view
from bots.console.templating import Templates
from bots.line.limits import measure as line_message
from bots.line.render import LineRenderer
from bots.slack.limits import measure as slack_message
from bots.slack.render import SlackRenderer
from core.model import Post
from core.parsing import load_issue
from core.profile import Profile


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_slack_limits() -> None:
    ok = slack_message({"text": "x", "blocks": [section("a" * 3000)]})
    assert ok.problems == []
    too_many = slack_message({"text": "x", "blocks": [section("a")] * 51})
    assert too_many.problems == ["too many blocks (51 > 50)"]
    too_long = slack_message({"text": "x", "blocks": [section("a" * 3001)] * 4})
    assert "a section block holds 3,001 characters (> 3,000)" in too_long.problems
    assert any("more block text than Slack accepts" in p for p in too_long.problems)


def test_line_counts_utf16_units() -> None:
    # 2,500 emoji outside the BMP are 5,000 UTF-16 units: exactly at the limit.
    assert line_message({"type": "text", "text": "🚀" * 2500}).problems == []
    over = line_message({"type": "text", "text": "🚀" * 2500 + "a"})
    assert over.problems == ["the text message is longer than LINE accepts (5,001 > 5,000)"]


def test_flex_and_quick_reply_limits() -> None:
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": []}}
    carousel = {
        "type": "flex",
        "altText": "a" * 401,
        "contents": {"type": "carousel", "contents": [bubble] * 13},
        "quickReply": {"items": [{"type": "action"}] * 14},
    }
    problems = line_message(carousel).problems
    assert "too many bubbles (13 > 12)" in problems
    assert "altText is 401 characters (> 400)" in problems
    assert "14 quick replies (> 13)" in problems


class OversizeLine(LineRenderer):
    """A LINE renderer with a bug: its posts come out longer than LINE takes."""

    def post(self, post: Post) -> dict[str, Any]:
        drawn = super().post(post)
        if post.section_key == "articles":
            return {**drawn, "text": drawn["text"] + "あ" * 5000}
        return drawn


def test_post_over_its_limit_is_red_at_the_post(profile: Profile, sample_path: Path) -> None:
    issue = load_issue(sample_path, profile)
    renderers = {"slack": SlackRenderer(profile), "line": OversizeLine(profile)}
    view = build_issue_view(issue, profile, renderers)  # type: ignore[arg-type]
    problems = [p for p in view.problems if "longer than LINE accepts" in p.message]
    assert len(problems) == 1
    assert problems[0].anchor == "s-1-line-0"
    assert problems[0].where == "気になった記事 · line 1/1"
    html = Templates(ZoneInfo("Asia/Tokyo")).render(
        "_issue_grid.html", view=view, language="ja", newsletter=profile.name, buttons="link"
    )
    tree = HTMLParser(html)
    post = tree.css_first("#s-1-line-0").parent  # type: ignore[union-attr]
    assert "has-problem" in post.attributes["class"]  # type: ignore[operator, union-attr]
    assert "longer than LINE accepts" in post.css_first("ul.problems").text()  # type: ignore[union-attr]
    assert post.css_first(".meter.over") is not None  # type: ignore[union-attr]
    assert tree.css_first('section.summary.bad a[href="#s-1-line-0"]') is not None
    # The other posts are fine.
    assert len(tree.css(".post.has-problem")) == 1
