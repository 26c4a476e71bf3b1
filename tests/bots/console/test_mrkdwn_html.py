"""Slack mrkdwn drawn as Slack draws it: styles where Slack opens them, links, escaping."""

from __future__ import annotations

import pytest

from bots.console.mrkdwn_html import to_html
from bots.slack import mrkdwn
from core.model import Span


@pytest.mark.parametrize(
    ("source", "drawn"),
    [
        ("*太字* です", "<b>太字</b> です"),
        ("_斜体_ と ~取消~", "<i>斜体</i> と <s>取消</s>"),
        # Slack leaves a marker glued to a letter alone: the asterisks stay visible.
        ("外部の*太字*です", "外部の*太字*です"),
        ("a * b * c", "a * b * c"),
        ("`*code*`", "<code>*code*</code>"),
        ("&lt;b&gt; &amp; co", "&lt;b&gt; &amp; co"),
        ("line one\nline two", "line one<br>line two"),
        ("> quoted *bold*", '<blockquote class="sk-quote">quoted <b>bold</b></blockquote>'),
        (
            "<@U123> and <#C42>",
            '<span class="sk-mention">@U123</span> and <span class="sk-mention">#C42</span>',
        ),
    ],
)
def test_styles_and_escapes(source: str, drawn: str) -> None:
    assert str(to_html(source)) == drawn


def test_web_links_open_and_nothing_else_does() -> None:
    html = str(to_html("<https://example.com/?a=1&amp;b=2|記事> <javascript:alert(1)|x>"))
    assert html.startswith('<a href="https://example.com/?a=1&amp;b=2" rel="noopener noreferrer')
    assert ">記事</a>" in html
    assert 'href="javascript' not in html
    assert "&lt;javascript:alert(1)|x&gt;" in html


def test_renderer_output_round_trips_to_the_same_text() -> None:
    # What the Slack renderer writes for bold inside Japanese (a zero-width space next to the
    # marker) is drawn bold, and a hostile span stays text.
    spans = (Span("外部の"), Span("高速インフラ", bold=True), Span("<img src=x onerror=1>"))
    html = str(to_html(mrkdwn.spans(spans)))
    assert "<b>高速インフラ</b>" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=1&gt;" in html


def test_code_fences_keep_their_text() -> None:
    assert str(to_html("```\n<b>x</b>\n```")) == '<pre class="sk-pre">&lt;b&gt;x&lt;/b&gt;</pre>'
