"""The tables of reading stats: counters without readers, and the platforms' own numbers.

Defined here (not in ``models``) like the other feature tables; migration 0006 creates them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.models import Base
from core.storage.types import json_document


class StatsReadRow(Base):
    """Reads of a section (``section`` empty: of the issue as a whole) on a day."""

    __tablename__ = "stats_reads"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    issue: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    section: Mapped[str] = mapped_column(String(200), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    opened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    asked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StatsSearchRow(Base):
    """A normalized search on a day: how often, and how many hits it had the last time."""

    __tablename__ = "stats_searches"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    query: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StatsFollowerRow(Base):
    """Friends gained and lost on a day, as the webhook saw them."""

    __tablename__ = "stats_followers"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    follows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unfollows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unblocks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PlatformMessageStatsRow(Base):
    """A platform's own numbers for one send (LINE's insight for a broadcast), fetched a
    day after it went out and again daily while the platform keeps them."""

    __tablename__ = "platform_message_stats"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    issue_id: Mapped[int | None] = mapped_column(Integer, index=True)
    sent_at: Mapped[datetime]
    next_fetch_at: Mapped[datetime | None] = mapped_column(index=True)
    fetched_at: Mapped[datetime | None]
    delivered: Mapped[int | None] = mapped_column(Integer)
    impressions: Mapped[int | None] = mapped_column(Integer)
    unique_impressions: Mapped[int | None] = mapped_column(Integer)
    unique_clicks: Mapped[int | None] = mapped_column(Integer)
    # [{"url", "click", "uniqueClick"}], as the platform reported them
    clicks: Mapped[Any] = mapped_column(json_document())


class PlatformFollowerCountRow(Base):
    """A platform's own friend counts on a day (LINE's ``/v2/bot/insight/followers``)."""

    __tablename__ = "platform_follower_counts"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    followers: Mapped[int | None] = mapped_column(Integer)
    targeted_reaches: Mapped[int | None] = mapped_column(Integer)
    blocks: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime]
