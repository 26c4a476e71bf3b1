"""The delivery ledger's vocabulary: rows, groups, plans, and what an attempt leaves.

Shared by the rules (``core.delivery``) and the repositories that store them
(``core.storage``), so it imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

State = Literal["pending", "sending", "sent", "failed", "dead"]
STATES: tuple[State, ...] = ("pending", "sending", "sent", "failed", "dead")
UNFINISHED: tuple[State, ...] = ("pending", "sending", "failed")
# Rows in this state mean "nothing to send": the issue has none of the chosen sections.
EMPTY_CODE = "empty"
EMPTY_UNIT = "-"
_BATCH_SEP = ":"


@dataclass(frozen=True, slots=True)
class Group:
    """The units one audience gets of one issue, sent strictly in order (a Slack thread
    needs its parent first). ``batch`` is 0 except for LINE audience batches."""

    subscription_id: int
    issue_id: int
    batch: int = 0


@dataclass(frozen=True, slots=True)
class Delivery:
    """One ledger row: one unit of one issue for one audience.

    ``id`` is a UUID and the platform's idempotency key. ``previous_state`` is set on rows a
    worker has just claimed: the state they were in before (``sending`` means an earlier
    attempt may have landed); so is ``lane``.
    """

    id: str
    subscription_id: int
    issue_id: int
    batch: int
    unit: str
    position: int
    revision: int
    state: State
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    error_code: str | None
    sent_ref: str | None
    claimed_by: str | None
    created_at: datetime
    updated_at: datetime
    previous_state: State | None = None
    lane: str = ""  # set on claimed rows: ``lane_of(platform, workspace)``
    first_attempt_at: datetime | None = None  # the first claim for sending (LINE's key window)
    duplicates_removed: int = 0  # late copies of the unit found and deleted

    @property
    def group(self) -> Group:
        """The group the row belongs to."""
        return Group(self.subscription_id, self.issue_id, self.batch)


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """One audience of a fan-out: who, and which sections (empty: all the digest has).

    ``recipients`` empty means the subscription's own target (a Slack channel, one LINE
    user); for LINE batches it holds user ids, or ``("all",)`` for a broadcast.
    """

    recipients: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupPlan:
    """The rows to create for one audience: the batch number, who, and the unit keys in
    send order (``Publisher.plan``)."""

    batch: int
    audience: BatchPlan
    units: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AudienceChoice:
    """What a platform's audience planner chose for "every follower": the batches, and a
    line saying which plan it is and why (shown by ``send --dry-run`` and the console)."""

    batches: tuple[BatchPlan, ...]
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed attempt, as the ledger records it.

    Args:
        code / message: the failure's kind (``DeliveryError.kind``) and what went wrong.
        retry_at: when to try again; None: never (the row is ``dead``).
        pause_reason: also pause the subscription, saying why.
        give_up_group: the group's later units die too (its first unit is dead, so a
            thread has no parent).
    """

    code: str | None
    message: str
    retry_at: datetime | None
    pause_reason: str | None = None
    give_up_group: bool = False


@dataclass(frozen=True, slots=True)
class Settled:
    """What settling a unit in doubt leaves for the ledger: copies removed, when to look
    again, and the revision a copy found by a lookup shows (0: unknown)."""

    verify_at: datetime | None = None
    removed: int = 0
    revision: int | None = None


def row_unit(batch: int, unit: str) -> str:
    """The unit as stored: batches share one (subscription, issue), so their units are
    prefixed (``b3:digest``) to stay unique."""
    return f"b{batch}{_BATCH_SEP}{unit}" if batch else unit


def publisher_unit(delivery: Delivery) -> str:
    """The unit key the publisher planned (the stored unit without its batch prefix)."""
    if delivery.batch and _BATCH_SEP in delivery.unit:
        return delivery.unit.split(_BATCH_SEP, 1)[1]
    return delivery.unit
