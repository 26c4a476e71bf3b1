"""What ``haishin ask`` shows for a subscription request typed to the Slack bot: the notice
the bot would post, worded for an example channel, and a note on what it would have done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bots.platform import Notice
from bots.slack import texts
from bots.slack.render import SlackRenderer
from bots.slack.subscriptions import ChannelSubscriptions

if TYPE_CHECKING:
    from core.model import Reply
    from core.profile import Profile

EXAMPLE_CHANNEL = "C0123456789"
EXAMPLE_USER = "U0123456789"


def subscription_notice(reply: Reply, renderer: SlackRenderer, profile: Profile) -> Notice:
    """The notice for a ``subscribe``, ``unsubscribe`` or ``settings`` reply (the last as
    a channel without a subscription sees it)."""
    lang = reply.language
    words = ChannelSubscriptions(None, profile)  # type: ignore[arg-type]  # words only
    if reply.intent == "subscribe":
        sections = [s for s in reply.args.get("sections", "").split(",") if s]
        said = texts.say(
            lang,
            "subscribed_by",
            user=EXAMPLE_USER,
            sections=words.sections_text(sections, lang),
            schedule=_schedule(reply, profile),
        )
        verb = "subscribes the channel it is typed in"
    elif reply.intent == "unsubscribe":
        said = texts.say(lang, "unsubscribed", channel=EXAMPLE_CHANNEL)
        verb = "unsubscribes the channel it is typed in"
    else:
        said = texts.say(lang, "not_subscribed", channel=EXAMPLE_CHANNEL)
        verb = "shows the subscription of the channel it is typed in (here: one without)"
    note = f"In Slack this {verb}; `haishin ask` changes nothing (see `haishin subscriptions`)."
    return Notice([renderer.notice(said)], note)


def _schedule(reply: Reply, profile: Profile) -> str:
    """When the subscription would get its digests, as the bot's notice says it."""
    lang = reply.language
    slot = reply.args.get("slot") or reply.args.get("cadence") or ""
    if slot == "on-publish" or (not slot and profile.digest_slot is None):
        return texts.say(lang, "schedule_on_publish")
    if slot:
        return slot
    assert profile.digest_slot is not None
    return texts.say(
        lang,
        "schedule_weekly",
        weekday=texts.weekday(lang, profile.digest_slot.weekday),
        time=f"{profile.digest_slot.at:%H:%M}",
        zone=profile.digest_slot.zone.key,
    )
