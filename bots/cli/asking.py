"""``haishin ask``: what a bot would send a reader who typed a text, drawn by that platform's
renderer with that bot's page size; subscription requests are shown, never carried out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bots.preview import post_document
from bots.rendering import Renderer
from core.model import Reply

if TYPE_CHECKING:
    from bots.bootstrap import Services

SUBSCRIPTION_INTENTS = ("subscribe", "unsubscribe", "settings")


@dataclass(slots=True)
class Asked:
    """The engine's reply, the messages the bot would send, and a note for the editor."""

    reply: Reply
    renderer: Renderer
    messages: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None

    def document(self) -> dict[str, Any]:
        """``ask --json``: every message the bot would send is in ``posts``; a newsletter post
        carries its section, item and part, a message of the bot's own (help, search results,
        settings, a digest) has them null and its words in ``text``."""
        reply = self.reply
        if reply.posts:
            posts = [post_document(post, self.renderer) for post in reply.posts]
        else:
            posts = [
                {
                    "platform": self.renderer.platform,
                    "section": None,
                    "item": None,
                    "part": index,
                    "parts": len(self.messages),
                    "text": reply.message or "",
                    "payload": message,
                }
                for index, message in enumerate(self.messages, start=1)
            ]
        return {
            "intent": reply.intent,
            "posts": posts,
            "messages": self.messages,
            "message": reply.message,
            "suggestions": [{"label": s.label, "command": s.command} for s in reply.suggestions],
            "more": {"label": reply.more.label, "command": reply.more.command}
            if reply.more
            else None,
            "note": self.note,
        }


async def ask(svc: Services, text: str, platform: str) -> Asked:
    """Answer ``text`` as the ``platform`` bot would, drawing its messages: its renderer,
    its page size and the language it would answer in (``bots.registry``)."""
    from bots import registry

    contract = registry.platform(platform)
    renderer = contract.renderer(svc.profile)
    reply = await svc.engine.answer(
        text,
        platform=platform,
        limits=renderer.limits,
        conversation="cli",
        page_size=contract.page_size,
        language=contract.reader_language(text, svc.profile.language),
    )
    if reply.intent not in SUBSCRIPTION_INTENTS:
        return Asked(reply, renderer, renderer.reply(reply))
    # What the bot would answer and do is the platform's to say; nothing is changed here.
    notice = contract.subscription_notice(reply, renderer, svc.profile)
    return Asked(reply, renderer, notice.messages, notice.note)
