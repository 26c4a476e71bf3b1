"""LINE followers as the bot needs them: who may be sent to, and who said "stop".

Extends ``core.storage.LineFollowers`` (which keeps the opt-out a reader asks for in chat,
"配信停止") with the audience plan of a digest. Because a broadcast reaches every friend, one
opted-out follower is enough to rule broadcasts out (see ``plan``).
"""

from __future__ import annotations

from collections.abc import Sequence

from bots.line.audience import AudiencePlan, plan_audiences
from core.storage import LineFollowers


class LineAudienceBook(LineFollowers):
    """``LineFollowers`` plus the audience plan of a digest."""

    async def plan(self, available: Sequence[str] | None = None) -> list[AudiencePlan]:
        """The sends that reach every active follower with their sections (see
        ``plan_audiences``); never a broadcast while someone has opted out."""
        followers = await self.active()
        plans = plan_audiences(followers, available)
        if plans and plans[0].audience.recipients == ("all",) and await self.opted_out():
            plans = plan_audiences(followers, available, broadcast=False)
        return plans
