"""Ports: the small interfaces core owns and adapters implement.

A ``Publisher`` sends a digest to one audience on one platform, one unit at a time, so the
delivery ledger can record each unit and never send it twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from core.model import Issue


@dataclass(frozen=True, slots=True)
class Audience:
    """Who receives a send.

    ``workspace`` is the Slack team id (None on LINE). ``recipients`` are Slack channel ids or
    LINE user ids; ``("all",)`` on LINE means every follower (a broadcast).
    """

    platform: str
    workspace: str | None
    recipients: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """An issue, or the chosen sections of it, as one subscriber receives it."""

    newsletter: str
    issue: Issue
    sections: tuple[str, ...]  # section keys, in the issue's order; empty means all
    revision: int = 1

    def chosen(self) -> Issue:
        """The issue narrowed to the chosen sections."""
        if not self.sections:
            return self.issue
        keep = tuple(s for s in self.issue.sections if s.key in self.sections)
        return Issue(
            sections=keep,
            number=self.issue.number,
            title=self.issue.title,
            date=self.issue.date,
            publish_at=self.issue.publish_at,
            notes=self.issue.notes,
        )


@dataclass(frozen=True, slots=True)
class SendJob:
    """One unit of a digest to send: what ``Publisher.plan`` named, for one audience.

    ``delivery_id`` is stable across retries and crashes: platforms use it as an idempotency
    key (LINE ``X-Line-Retry-Key``, Slack message metadata). ``thread_ref`` is the ``ref`` of
    the digest's first unit once sent (the Slack parent message), else None.
    """

    delivery_id: str
    audience: Audience
    digest: Digest
    unit: str
    thread_ref: str | None = None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """Where a sent unit landed (Slack ``channel:ts``, LINE request id); ``revision``: the
    issue revision it showed, when a lookup could tell (None: unknown)."""

    ref: str
    revision: int | None = None


@dataclass(frozen=True, slots=True)
class Settling:
    """How one platform's sends settle (see ``core.delivery.attempt``).

    Args:
        settle: how long after a send ended without an answer (its client gave up) the
            platform may still carry it out.
        key_window: how long the platform honours a resend's key (LINE: 24 hours); None when
            it has no such key and resends are not de-duplicated.
    """

    settle: timedelta
    key_window: timedelta | None = None

    @property
    def keyed(self) -> bool:
        """True when the platform de-duplicates resends carrying the same key."""
        return self.key_window is not None


class Publisher(ABC):
    """Delivers digests on one platform. Raises ``DeliveryError`` on failure."""

    platform: ClassVar[str]
    # Default: a platform that answers every request it carries out (nothing lands late).
    settling: Settling = Settling(timedelta(0))

    @abstractmethod
    def plan(self, digest: Digest) -> Sequence[str]:
        """The unit keys a digest becomes, in send order; the ledger keeps one row per key."""

    @abstractmethod
    async def send(self, job: SendJob) -> SentMessage:
        """Send one unit. Must be safe to call again with the same ``delivery_id``."""

    async def find_sent(self, job: SendJob) -> SentMessage | None:
        """Find a unit an earlier, interrupted attempt may already have sent."""
        return None

    async def find_copies(self, job: SendJob) -> Sequence[SentMessage]:
        """Every message carrying the unit's key, oldest first (more than one: duplicates)."""
        found = await self.find_sent(job)
        return [found] if found is not None else []

    async def remove(self, job: SendJob, sent: SentMessage) -> bool:
        """Delete a duplicate copy of a unit; False when the platform can't."""
        return False

    def pace(self, audience: Audience) -> float:
        """Seconds before a send to ``audience`` may go (its channel's pace); 0 for at once."""
        return 0.0

    async def wait_pace(self, audience: Audience, *, ahead: float = 0.0) -> None:  # noqa: B027
        """Wait until a send to ``audience`` may go within ``ahead`` seconds, taking nothing
        (the send itself still paces)."""

    async def update(self, job: SendJob, sent: SentMessage) -> None:  # noqa: B027
        """Replace an already sent unit with the job's (corrected) content, where possible."""
