"""``subscribe | unsubscribe | settings`` on LINE: which sections a follower receives."""

from __future__ import annotations

from bots.line.followers import LineAudienceBook
from bots.line.texts import say
from core.model import Reply
from core.profile import Profile


class FollowerSubscriptions:
    """Chooses what a LINE follower receives.

    Args:
        followers: the follower records.
        profile: the newsletter (section labels).
    """

    def __init__(self, followers: LineAudienceBook, profile: Profile) -> None:
        self.followers = followers
        self.profile = profile

    async def act(self, reply: Reply, user: str) -> str:
        """Carry out what the engine understood; the text telling the follower what happened."""
        language = reply.language
        labels = {spec.key: spec.title for spec in self.profile.sections}
        if reply.intent == "subscribe":
            sections = [s for s in reply.args.get("sections", "").split(",") if s]
            await self.followers.choose(user, sections)
            text = (
                say(
                    language,
                    "subscribed_some",
                    sections="・".join(labels.get(s, s) for s in sections),
                )
                if sections
                else say(language, "subscribed_all")
            )
            if reply.args.get("slot"):
                text += "\n" + say(language, "weekly_unsupported")
            return text
        if reply.intent == "unsubscribe":
            await self.followers.set_active(user, False)
            return say(language, "unsubscribed")
        follower = await self.followers.get(user)
        if follower is None or not follower.active:
            return say(language, "settings_off")
        if follower.sections:
            chosen = "・".join(labels.get(s, s) for s in follower.sections)
            return say(language, "settings_some", sections=chosen)
        return say(language, "settings_all")
