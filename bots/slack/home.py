"""The App Home tab: the latest issue at a glance and the workspace's subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import DividerBlock

from bots.slack import mrkdwn
from bots.slack.blocks import actions, chunks, context, header, section
from bots.slack.render import SlackRenderer
from bots.slack.subscriptions import ChannelSubscriptions
from bots.slack.texts import say
from core.model import Overview, Suggestion
from core.storage import Subscription

HOME_BLOCKS = 100


def home_view(
    renderer: SlackRenderer,
    subscriptions: ChannelSubscriptions,
    *,
    overview: Overview | None,
    subscribed: Sequence[Subscription],
    language: str,
) -> dict[str, Any]:
    """The ``views.publish`` view of the Home tab.

    Args:
        renderer: draws the latest issue the way the digest does.
        subscriptions: describes each subscription.
        overview: the latest issue at a glance, or None before the first issue.
        subscribed: the workspace's Slack subscriptions.
        language: the words around it (the newsletter's language).
    """
    blocks: list[dict[str, Any]] = [header(renderer.profile.name)]
    blocks.append(section(f"*{mrkdwn.escape(say(language, 'home_latest'))}*"))
    if overview is None:
        blocks.append(section(mrkdwn.escape(say(language, "home_none"))))
    else:
        blocks.extend(renderer.digest(overview)["blocks"])
        number = overview.issue.number
        buttons = [
            Suggestion(summary.label[:20], f"issue {number} {summary.key}")
            for summary in overview.sections
        ]
        blocks.extend(actions(None, buttons, language=language))
    blocks.append(DividerBlock().to_dict())
    blocks.append(section(f"*{mrkdwn.escape(say(language, 'home_subscriptions'))}*"))
    lines = [f"• {subscriptions.describe(s, language)}" for s in subscribed]
    if not lines:
        lines = [say(language, "home_no_subscriptions")]
    tail = [context(say(language, "home_help"))]
    room = HOME_BLOCKS - len(blocks) - len(tail)
    blocks.extend(section(chunk) for chunk in chunks("\n".join(lines))[:room])
    blocks.extend(tail)
    return {"type": "home", "blocks": blocks}
