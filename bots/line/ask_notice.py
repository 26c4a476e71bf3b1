"""What ``haishin ask`` shows for a subscription request sent to the LINE bot: the answer it
would send, and a note on what it would have done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bots.line import texts
from bots.platform import Notice
from core.model import Reply

if TYPE_CHECKING:
    from bots.rendering import Renderer
    from core.profile import Profile


def subscription_notice(reply: Reply, renderer: Renderer, profile: Profile) -> Notice:
    """The answer to a ``subscribe``, ``unsubscribe`` or ``settings`` reply (the last as a
    friend who gets nothing sees it), with the reply's buttons."""

    def title(key: str) -> str:
        spec = profile.spec(key)
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
    return Notice(renderer.reply(notice), note)
