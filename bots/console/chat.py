"""The chat box: a message or a pressed button → the command engine → one platform's answer.

A pressed button sends back exactly what the platform would: a Slack button's ``value``
(``ja|issue 1 topic``) or a LINE postback's ``data`` (``cmd:ja:issue 1 topic``), decoded the
way the bots decode them (``ChatPlatform.decode_button``), and the answer is paged and in the
language the platform's bot would use, so the console answers just as the bots do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bots import registry
from bots.bootstrap import Services
from bots.rendering import Renderer
from core.errors import HaishinError

log = logging.getLogger("haishin.console")

# Intents that change a subscription: the bots act on them, the console only explains.
SUBSCRIPTION_INTENTS = ("subscribe", "unsubscribe", "settings")


@dataclass(slots=True)
class Exchange:
    """One turn of the chat: what the reader sent and the platform's answer."""

    platform: str
    shown: str  # what the reader's side of the chat shows
    pressed: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)
    intent: str | None = None
    args: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    note: str | None = None


async def converse(
    services: Services,
    renderer: Renderer,
    *,
    text: str = "",
    button: str = "",
    label: str = "",
    conversation: str | None = None,
) -> Exchange:
    """Answer a typed text or a pressed button, drawn for the renderer's platform.

    Args:
        services: the engine lives there.
        renderer: the platform to answer on.
        text: what the reader typed.
        button: a pressed button's value (Slack) or postback data (LINE); wins over text.
        label: the button's label, shown as the reader's side of the chat.
        conversation: the chat's id, so "next" continues; None answers statelessly.
    """
    platform = renderer.platform
    contract = registry.platform(platform)
    told: str | None = None
    if button:
        command, told = contract.decode_button(button)
        exchange = Exchange(platform, label or command, pressed=True)
    else:
        command = " ".join(text.split())
        exchange = Exchange(platform, command)
    if not command:
        exchange.error = "Type a message first, e.g. 最新トピック."
        return exchange
    # Longer than the platform lets a reader send: the bot would never see it.
    limit = contract.longest_said
    size = contract.said_size(text)
    if size > limit:
        exchange.shown = f"{command[:80]}…"
        exchange.error = (
            f"Not sent: that is {size:,} characters, and {contract.title} takes at most "
            f"{limit:,} in one message. Shorten it and send again."
        )
        return exchange
    try:
        reply = await services.engine.answer(
            command,
            platform=platform,
            limits=renderer.limits,
            conversation=conversation,
            # Paged and in the language the platform's bot would answer in.
            page_size=contract.page_size,
            language=contract.reader_language(
                command, services.profile.language, pressed=bool(button), told=told
            ),
        )
        exchange.messages = renderer.reply(reply)
    except HaishinError as exc:
        exchange.error = f"The engine could not answer: {exc}"
        return exchange
    except Exception:
        log.exception("console: answering %r on %s failed", command, platform)
        exchange.error = "Answering failed; the server log has the details."
        return exchange
    exchange.intent, exchange.args = reply.intent, dict(reply.args)
    if reply.intent in SUBSCRIPTION_INTENTS:
        where = contract.audience
        verb = {"subscribe": "subscribes", "unsubscribe": "unsubscribes"}.get(
            reply.intent, "shows the subscription of"
        )
        exchange.note = (
            f"In the app this {verb} {where}; the console doesn't. "
            "Subscriptions are on the Deliveries page."
        )
        exchange.messages = [m for m in exchange.messages if _has_content(m)]
    return exchange


def _has_content(message: dict[str, Any]) -> bool:
    return bool(message.get("blocks") or str(message.get("text", "")).strip())
