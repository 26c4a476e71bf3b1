"""The database schema as typed ORM models: one schema for SQLite and PostgreSQL.

The tables are created only by the Alembic migrations in ``core/storage/migrations``; this
module describes them for queries (a test checks the two agree). Rows stay inside the
repositories, which hand out plain dataclasses.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.storage.types import UTCDateTime, json_document

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DELIVERY_STATES = ("pending", "sending", "sent", "failed", "dead")
# Why an unpublished issue is held back (never published or sent while held): its file has
# no date yet, its file was removed, or the editor cancelled it.
HOLDS = ("draft", "removed", "cancelled")
CADENCES = ("on-publish", "weekly")


class Base(DeclarativeBase):
    """Declarative base holding haishin's metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: json_document(),
    }


class IssueRow(Base):
    """An issue of the newsletter: identity, schedule and which revision is current."""

    __tablename__ = "issues"
    __table_args__ = (CheckConstraint("held IN ('draft', 'removed', 'cancelled')", name="held"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    date: Mapped[date | None] = mapped_column(Date, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    # File path relative to the content dir, or a feed entry's guid.
    source_key: Mapped[str] = mapped_column(String(1000), unique=True)
    publish_at: Mapped[datetime | None] = mapped_column(index=True)
    published_at: Mapped[datetime | None]
    back_catalogue: Mapped[bool] = mapped_column(default=False, server_default=false())
    revision: Mapped[int] = mapped_column(Integer)
    corrected: Mapped[bool] = mapped_column(default=False, server_default=false())
    corrected_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    held: Mapped[str | None] = mapped_column(String(16))


class RevisionRow(Base):
    """One stored version of an issue; the parsed Issue is kept as a JSON document."""

    __tablename__ = "issue_revisions"
    __table_args__ = (UniqueConstraint("issue_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]
    source_format: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    # SHA-256 of the file's bytes (None for a feed entry): finds a byte-identical copy.
    source_hash: Mapped[str | None] = mapped_column(String(64), index=True)


class SectionRow(Base):
    """A section of an issue's current revision."""

    __tablename__ = "issue_sections"
    __table_args__ = (UniqueConstraint("issue_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)


class ItemRow(Base):
    """An item of an issue's current revision, with its text folded for search.

    ``search_title`` and ``search_body`` hold the title and text NFKC-normalised and
    case-folded; the full-text index (FTS5 on SQLite, pg_trgm on PostgreSQL) covers them.
    """

    __tablename__ = "issue_items"
    __table_args__ = (UniqueConstraint("section_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("issue_sections.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    search_title: Mapped[str] = mapped_column(Text)
    search_body: Mapped[str] = mapped_column(Text)


class SubscriptionRow(Base):
    """Who gets which sections, and when."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        # NULL workspaces (LINE) would never collide in a plain unique constraint.
        Index(
            "uq_subscriptions_target",
            "platform",
            func.coalesce(text("workspace"), ""),
            "target",
            unique=True,
        ),
        CheckConstraint("cadence IN ('on-publish', 'weekly')", name="cadence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255))
    sections: Mapped[list[str]] = mapped_column(json_document())
    cadence: Mapped[str] = mapped_column(String(16))
    weekday: Mapped[int | None] = mapped_column(SmallInteger)
    at_time: Mapped[time | None] = mapped_column(Time)
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    paused_reason: Mapped[str | None] = mapped_column(Text)
    # The subscriber gets issues numbered after this one (no back catalogue).
    starts_after: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DeliveryRow(Base):
    """The delivery ledger: one row per (subscription, issue, unit), driven by the delivery code.

    ``id`` is a UUID string that platforms get as the idempotency key.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "issue_id", "unit"),
        Index("ix_deliveries_claim", "state", "next_attempt_at"),
        # A group's units are sent in position order; this finds a group's earlier units.
        Index("ix_deliveries_group", "subscription_id", "issue_id", "batch", "position"),
        CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed', 'dead')", name="state"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_ref: Mapped[str | None] = mapped_column(String(255))
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The LINE audience batch (``delivery_batches``) the row goes to; 0 for one-target sends.
    batch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The kind of the last failure (``DeliveryError.kind``: ``ratelimited``, ``audience_gone``...).
    error_code: Mapped[str | None] = mapped_column(String(64))
    # The first claim for sending: LINE honours the row's retry key for 24 hours from it.
    first_attempt_at: Mapped[datetime | None]
    # A unit resent after a send in doubt is looked at again then (late copies deleted).
    verify_at: Mapped[datetime | None] = mapped_column(index=True)
    duplicates_removed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class DeliveryBatchRow(Base):
    """Who one LINE send of an issue goes to, fixed when the issue's rows are made.

    Kept so that a retry after a crash goes to exactly the same people with the same
    ``X-Line-Retry-Key`` (the row id), even if followers came or went since.
    ``recipients`` is ``["all"]`` for a broadcast.
    """

    __tablename__ = "delivery_batches"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    issue_id: Mapped[int] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True
    )
    batch: Mapped[int] = mapped_column(Integer, primary_key=True)
    sections: Mapped[list[str]] = mapped_column(json_document())
    recipients: Mapped[list[str]] = mapped_column(json_document())
    created_at: Mapped[datetime]


class DeliveryWorkerRow(Base):
    """A running delivery worker; rows it claimed are reclaimed once its heartbeat stops."""

    __tablename__ = "delivery_workers"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime] = mapped_column(index=True)


class ProcessedEventRow(Base):
    """An inbound webhook event already handled (Slack ``event_id``, LINE ``webhookEventId``)."""

    __tablename__ = "processed_events"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class LineFollowerRow(Base):
    """A LINE user who follows the account, and the sections they chose (empty: all)."""

    __tablename__ = "line_followers"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(16))
    sections: Mapped[list[str]] = mapped_column(json_document())
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    followed_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ConversationStateRow(Base):
    """Where a conversation left off (e.g. the cursor for "next part")."""

    __tablename__ = "conversation_state"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    cursor: Mapped[Any] = mapped_column(json_document())
    updated_at: Mapped[datetime] = mapped_column(index=True)


class DefaultAppliedRow(Base):
    """A default haishin set up once (e.g. the ``line:all`` subscription), so that an
    operator who later removes it is not overruled at the next start."""

    __tablename__ = "defaults_applied"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    applied_at: Mapped[datetime]
