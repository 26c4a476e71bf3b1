"""LINE followers as the bot needs them: who may be sent to, and who said "stop".

``core.storage.LineFollowers`` keeps the opt-out a reader asks for in chat ("配信停止"): the
follower stays known (their section choice is kept for when they resume) but gets no
deliveries; ``line:all`` leaves them out (see ``bots.line.reach``).
"""

from __future__ import annotations

from core.storage import LineFollowers


class LineAudienceBook(LineFollowers):
    """The followers of the LINE account, as the bot and the planner use them."""
