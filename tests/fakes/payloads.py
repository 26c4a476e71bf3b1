"""Whole payloads checked as the platforms would: Slack's block models and limits, LINE's spec.

``assert_valid_slack`` runs every block through slack_sdk's models (``Block.parse`` and
their JSON validators), Block Kit's limits (``slack_blockkit``) and a mrkdwn check (every
``<`` opens a whole link); ``assert_valid_line`` checks messages against LINE's OpenAPI spec
and the limits it leaves out.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import Block

from tests.fakes import slack_blockkit
from tests.fakes.line_limits import check_extra_limits
from tests.fakes.line_openapi import check_schema


def assert_valid_slack(payload: dict[str, Any]) -> None:
    """Block Kit's limits, slack_sdk's block models, and mrkdwn Slack reads as meant."""
    blocks = payload["blocks"]
    assert slack_blockkit.problems(blocks, text=payload["text"]) == []
    for block in blocks:
        model = Block.parse(block)
        assert model is not None, block
        model.validate_json()
        assert model.to_dict() == block
    for text in slack_blockkit.text_objects(blocks):
        assert_mrkdwn(text)


def assert_mrkdwn(text: str) -> None:
    """Every ``<`` opens a whole link (escape leaves no other); no link is empty or cut."""
    rest = text
    while "<" in rest:
        start = rest.index("<")
        end = rest.find(">", start)
        assert end > start, f"an unclosed link in {text[max(0, start - 40) : start + 80]!r}"
        inner = rest[start + 1 : end]
        assert "<" not in inner, f"a link inside a link: {inner[:80]!r}"
        assert re.match(r"(?:https?://|mailto:|@|#|!)\S", inner), f"not a link: {inner[:80]!r}"
        rest = rest[end + 1 :]
    assert not re.search(r"&(?!amp;|lt;|gt;)[a-z]+;", text), "an entity Slack does not know"


def assert_valid_line(messages: list[dict[str, Any]]) -> None:
    body = {"replyToken": "t", "messages": messages}
    check_schema("messaging-api.yml", "ReplyMessageRequest", body)
    check_extra_limits("/v2/bot/message/reply", body)
