"""What a claimed group needs before its first send, read for many groups at once.

A worker claims up to thousands of group heads in one go (after a publication, or a
restart). Reading each group's subscription, LINE batch and progress separately would be
thousands of round trips queued on a few connections, the channels' first posts waiting
behind them; read per claim, it is a handful of queries.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from core.ledger import UNFINISHED, BatchPlan, Delivery, Group
from core.storage.base import Repository
from core.storage.models import DeliveryBatchRow, DeliveryRow

# Bound parameters per query stay well under SQLite's limit (32,766).
CHUNK = 900


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a group got: where its first unit landed (once sent), and the ids of its
    units after the claimed head that are not yet sent or given up, in order."""

    first: str | None
    following: tuple[str, ...]


class GroupStartRepository(Repository):
    """Batches and progress of many groups, in a few reads."""

    async def read(
        self, heads: Sequence[Delivery]
    ) -> tuple[dict[Group, BatchPlan], dict[Group, Progress]]:
        """The stored LINE batches (groups with ``batch`` > 0) and the progress of the
        groups of ``heads``, each head's ``position`` being where its group stands."""
        position = {head.group: head.position for head in heads}
        batches: dict[Group, BatchPlan] = {}
        rows: dict[Group, list[tuple[str, int, str, str | None]]] = {}
        batched = {(g.subscription_id, g.issue_id) for g in position if g.batch}
        async with self._read() as session:
            for issue_id, ids in _by_issue(position):
                for chunk in _chunks(ids):
                    query = (
                        select(
                            DeliveryRow.subscription_id,
                            DeliveryRow.batch,
                            DeliveryRow.id,
                            DeliveryRow.position,
                            DeliveryRow.state,
                            DeliveryRow.sent_ref,
                        )
                        .where(
                            DeliveryRow.issue_id == issue_id,
                            DeliveryRow.subscription_id.in_(chunk),
                        )
                        .order_by(DeliveryRow.position)
                    )
                    for sub, batch, row_id, pos, state, ref in await session.execute(query):
                        group = Group(sub, issue_id, batch)
                        if group in position:
                            rows.setdefault(group, []).append((row_id, pos, state, ref))
                    lined = [s for s in chunk if (s, issue_id) in batched]
                    if not lined:
                        continue
                    stored = await session.execute(
                        select(DeliveryBatchRow).where(
                            DeliveryBatchRow.issue_id == issue_id,
                            DeliveryBatchRow.subscription_id.in_(lined),
                        )
                    )
                    for (row,) in stored:
                        group = Group(row.subscription_id, issue_id, row.batch)
                        if group in position:
                            batches[group] = BatchPlan(tuple(row.recipients), tuple(row.sections))
        progress = {group: _progress(rows.get(group, []), position[group]) for group in position}
        return batches, progress


def _progress(rows: list[tuple[str, int, str, str | None]], position: int) -> Progress:
    first = rows[0][3] if rows else None
    later = (row_id for row_id, pos, state, _ in rows if pos > position and state in UNFINISHED)
    return Progress(first, tuple(later))


def _by_issue(groups: Collection[Group]) -> Iterator[tuple[int, list[int]]]:
    by_issue: dict[int, set[int]] = {}
    for group in groups:
        by_issue.setdefault(group.issue_id, set()).add(group.subscription_id)
    for issue_id, ids in by_issue.items():
        yield issue_id, sorted(ids)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
