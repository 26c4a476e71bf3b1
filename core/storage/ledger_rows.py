"""Between the ``deliveries`` table and ``Delivery``: reading rows, making new ones, and
the conditions that select one group's rows. Shared by the ledger's repositories."""

from __future__ import annotations

import uuid
from typing import Any

from core.ledger import Delivery, Group, State, row_unit
from core.storage.models import DeliveryRow


def in_group(group: Group) -> tuple[Any, ...]:
    """WHERE conditions selecting one group's rows."""
    return (
        DeliveryRow.subscription_id == group.subscription_id,
        DeliveryRow.issue_id == group.issue_id,
        DeliveryRow.batch == group.batch,
    )


def new_row(
    base: dict[str, Any],
    revision: int,
    batch: int,
    unit: str,
    position: int,
    now: Any,
    *,
    state: State = "pending",
    stored: bool = False,
) -> dict[str, Any]:
    """The values of a new row of ``base`` (its subscription and issue); ``stored``: the
    unit is already as stored (``row_unit``)."""
    return base | {
        "id": str(uuid.uuid4()),
        "revision": revision,
        "batch": batch,
        "unit": unit if stored else row_unit(batch, unit),
        "position": position,
        "state": state,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def to_delivery(row: DeliveryRow, previous: State | None = None) -> Delivery:
    """The plain view of an ORM row."""
    return Delivery(
        id=row.id,
        subscription_id=row.subscription_id,
        issue_id=row.issue_id,
        batch=row.batch,
        unit=row.unit,
        position=row.position,
        revision=row.revision,
        state=row.state,  # type: ignore[arg-type]
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        error_code=row.error_code,
        sent_ref=row.sent_ref,
        claimed_by=row.claimed_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        previous_state=previous,
        first_attempt_at=row.first_attempt_at,
        duplicates_removed=row.duplicates_removed or 0,
    )


def from_mapping(row: Any, previous: State | None) -> Delivery:
    """A ``Delivery`` from a row of the table (a mapping), with its state before a claim."""
    return Delivery(
        id=row["id"],
        subscription_id=row["subscription_id"],
        issue_id=row["issue_id"],
        batch=row["batch"],
        unit=row["unit"],
        position=row["position"],
        revision=row["revision"],
        state=row["state"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        error_code=row["error_code"],
        sent_ref=row["sent_ref"],
        claimed_by=row["claimed_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        previous_state=previous,
        first_attempt_at=row.get("first_attempt_at"),
        duplicates_removed=row.get("duplicates_removed") or 0,
    )
