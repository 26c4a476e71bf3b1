"""``/haishin subscribe | unsubscribe | settings``: a channel's subscription in the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bots.slack import mrkdwn
from bots.slack.texts import say, weekday
from core.errors import ConfigError
from core.model import Reply
from core.profile import Profile
from core.slot import WeeklySlot
from core.storage import Subscription, SubscriptionRepository

PLATFORM = "slack"


@dataclass(frozen=True, slots=True)
class SubscriptionNotice:
    """What to tell the channel: ``public`` notices go to everyone, the rest to the asker."""

    text: str
    public: bool


class ChannelSubscriptions:
    """Subscribes Slack channels to the newsletter, one subscription per workspace + channel.

    Args:
        repository: where subscriptions live.
        profile: the newsletter (default sections, slot and time zone, section labels).
    """

    def __init__(self, repository: SubscriptionRepository, profile: Profile) -> None:
        self.repository = repository
        self.profile = profile

    async def act(self, reply: Reply, *, team: str, channel: str, user: str) -> SubscriptionNotice:
        """Carry out what the engine understood (``subscribe``/``unsubscribe``/``settings``)."""
        lang = reply.language
        if reply.intent == "subscribe":
            return await self._subscribe(reply, team=team, channel=channel, user=user)
        existing = await self.repository.find(PLATFORM, channel, workspace=team)
        if reply.intent == "unsubscribe":
            if existing is None:
                return SubscriptionNotice(say(lang, "not_subscribed", channel=channel), False)
            await self.repository.remove(existing.id)
            return SubscriptionNotice(say(lang, "unsubscribed", channel=channel), True)
        if existing is None:
            return SubscriptionNotice(say(lang, "not_subscribed", channel=channel), False)
        return SubscriptionNotice(self.describe(existing, lang), False)

    async def _subscribe(
        self, reply: Reply, *, team: str, channel: str, user: str
    ) -> SubscriptionNotice:
        lang = reply.language
        sections = tuple(s for s in reply.args.get("sections", "").split(",") if s)
        slot_text = reply.args.get("slot") or ""
        cadence = reply.args.get("cadence") or ""
        slot: WeeklySlot | None = None
        if slot_text:
            try:
                slot = WeeklySlot.parse(slot_text, self.profile.timezone)
            except ConfigError as exc:
                return SubscriptionNotice(mrkdwn.escape(str(exc)), False)
        elif cadence != "on-publish":
            slot = self.profile.digest_slot
        subscription = await self.repository.add(
            platform=PLATFORM,
            workspace=team,
            target=channel,
            sections=sections,
            cadence="weekly" if slot is not None else "on-publish",
            slot=slot,
        )
        text = say(
            lang,
            "subscribed_by",
            user=user,
            sections=self.sections_text(subscription.sections, lang),
            schedule=self.schedule_text(subscription, lang),
        )
        return SubscriptionNotice(text, True)

    def describe(self, subscription: Subscription, lang: str) -> str:
        """One line (mrkdwn) saying what a channel gets and when, and whether it is paused."""
        text = say(
            lang,
            "settings",
            channel=subscription.target,
            sections=self.sections_text(subscription.sections, lang),
            schedule=self.schedule_text(subscription, lang),
        )
        if not subscription.active:
            reason = mrkdwn.escape(subscription.paused_reason or "")
            text += " " + say(lang, "paused", reason=reason)
        return text

    def sections_text(self, keys: Sequence[str], lang: str) -> str:
        """The chosen sections by their display names, or "all sections"."""
        if not keys:
            return say(lang, "all_sections")
        names = []
        for key in keys:
            spec = self.profile.spec(key)
            names.append(spec.title if spec else key)
        return mrkdwn.escape(", ".join(names))

    def schedule_text(self, subscription: Subscription, lang: str) -> str:
        """``every Saturday at 09:00 (Asia/Tokyo)`` or ``as soon as an issue is published``."""
        slot = subscription.slot
        if subscription.cadence != "weekly" or slot is None:
            return say(lang, "schedule_on_publish")
        return say(
            lang,
            "schedule_weekly",
            weekday=weekday(lang, slot.weekday),
            time=f"{slot.at:%H:%M}",
            zone=slot.zone.key,
        )

    async def of_workspace(self, team: str) -> list[Subscription]:
        """Every Slack subscription of a workspace (for the Home tab)."""
        return await self.repository.list(platform=PLATFORM, workspace=team)

    async def pause_workspace(self, team: str, reason: str) -> int:
        """Pause every subscription of a workspace (uninstalled, tokens revoked)."""
        return await self.repository.pause_workspace(PLATFORM, team, reason)
