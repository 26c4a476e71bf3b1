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
EXAMPLE_CHANNEL = "C0123456789"


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
    if platform == "slack":
        return _slack_notice(svc, reply, renderer)
    return _line_notice(svc, reply, renderer)


def _slack_notice(svc: Services, reply: Reply, renderer: Renderer) -> Asked:
    from bots.slack import texts
    from bots.slack.render import SlackRenderer
    from bots.slack.subscriptions import ChannelSubscriptions

    assert isinstance(renderer, SlackRenderer)
    lang = reply.language
    words = ChannelSubscriptions(None, svc.profile)  # type: ignore[arg-type]  # words only
    if reply.intent == "subscribe":
        sections = [s for s in reply.args.get("sections", "").split(",") if s]
        slot = reply.args.get("slot") or reply.args.get("cadence") or ""
        if slot == "on-publish" or (not slot and svc.profile.digest_slot is None):
            schedule = texts.say(lang, "schedule_on_publish")
        elif slot:
            schedule = slot
        else:
            assert svc.profile.digest_slot is not None
            schedule = texts.say(
                lang,
                "schedule_weekly",
                weekday=texts.weekday(lang, svc.profile.digest_slot.weekday),
                time=f"{svc.profile.digest_slot.at:%H:%M}",
                zone=svc.profile.digest_slot.zone.key,
            )
        said = texts.say(
            lang,
            "subscribed_by",
            user="U0123456789",
            sections=words.sections_text(sections, lang),
            schedule=schedule,
        )
        verb = "subscribes the channel it is typed in"
    elif reply.intent == "unsubscribe":
        said = texts.say(lang, "unsubscribed", channel=EXAMPLE_CHANNEL)
        verb = "unsubscribes the channel it is typed in"
    else:
        said = texts.say(lang, "not_subscribed", channel=EXAMPLE_CHANNEL)
        verb = "shows the subscription of the channel it is typed in (here: one without)"
    note = f"In Slack this {verb}; `haishin ask` changes nothing (see `haishin subscriptions`)."
    return Asked(reply, renderer, [renderer.notice(said)], note)


def _line_notice(svc: Services, reply: Reply, renderer: Renderer) -> Asked:
    from bots.line import texts

    def title(key: str) -> str:
        spec = svc.profile.spec(key)
        return spec.title if spec else key

    lang = reply.language
    if reply.intent == "subscribe":
        sections = [s for s in reply.args.get("sections", "").split(",") if s]
        said = (
            texts.say(lang, "subscribed_some", sections="・".join(map(title, sections)))
            if sections
            else texts.say(lang, "subscribed_all")
        )
        verb = "starts deliveries to the friend who sent it"
    elif reply.intent == "unsubscribe":
        said = texts.say(lang, "unsubscribed")
        verb = "stops deliveries to the friend who sent it"
    else:
        said = texts.say(lang, "settings_off")
        verb = "shows what the friend who sent it gets (here: one who gets nothing)"
    note = f"On LINE this {verb}; `haishin ask` changes nothing (see `haishin subscriptions`)."
    notice = Reply(intent=reply.intent, language=lang, message=said, suggestions=reply.suggestions)
    return Asked(reply, renderer, renderer.reply(notice), note)
