"""The tables LINE's friend delivery keeps: audience groups and narrowcast requests.

Defined here (not in ``models``) like the other feature tables; migration 0010 creates them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.models import Base


class LineAudienceGroupRow(Base):
    """An audience group haishin uploaded to LINE: who it holds (by a digest of the sorted
    user ids), so that one with the same members is reused instead of uploaded again."""

    __tablename__ = "line_audience_groups"

    members: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex
    audience_group_id: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    used_at: Mapped[datetime]


class LineNarrowcastRow(Base):
    """A narrowcast LINE accepted, by the ledger row it sends: its request id is how a send
    in doubt is looked up (``/v2/bot/message/progress/narrowcast``) before any resend."""

    __tablename__ = "line_narrowcasts"

    delivery_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64))
    audience_group_id: Mapped[int] = mapped_column(BigInteger)
    phase: Mapped[str] = mapped_column(String(16))
    accepted_at: Mapped[datetime]
