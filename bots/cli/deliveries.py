"""``haishin deliveries``: what went where, and what failed and why."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from bots.cli.common import DELIVERY_STATES, async_command, console, fail, services, show_table

if TYPE_CHECKING:
    from core.delivery import BatchPlan, Delivery, Group
    from core.storage import Subscription

StateOpt = Annotated[
    str | None, typer.Option(help="only rows in this state: " + ", ".join(DELIVERY_STATES))
]


def register(app: typer.Typer) -> None:
    """Add ``deliveries`` to the CLI."""
    app.command()(deliveries)


@async_command
async def deliveries(
    issue: Annotated[str | None, typer.Option(help="number, date or latest")] = None,
    state: StateOpt = None,
    limit: Annotated[int, typer.Option(help="at most this many lines")] = 100,
) -> None:
    """What went where, and what failed and why."""
    from bots.cli.lookups import stored_issue
    from core.delivery import STATES
    from core.storage import IssueRepository, SubscriptionRepository
    from core.storage.delivery_ledger import DeliveryLedgerRepository

    if state is not None and state not in STATES:
        fail(f"--state {state!r}: use one of {', '.join(STATES)}")
    async with services() as svc:
        issue_id = (await stored_issue(svc, issue)).id if issue else None
        ledger = DeliveryLedgerRepository(svc.db)
        rows = await ledger.rows(issue_id=issue_id, state=state)
        subs = {s.id: s for s in await SubscriptionRepository(svc.db).list()}
        numbers = {s.id: s.number for s in await IssueRepository(svc.db).all_issues()}
        batches = {group: await ledger.batch(group) for group in {r.group for r in rows if r.batch}}
        zone = svc.profile.timezone
        now = svc.clock.now()
    if not rows:
        console.print(
            "Nothing in the delivery ledger" + (" for that filter." if issue or state else " yet.")
        )
        return
    if state is not None:
        _row_table(rows[:limit], subs, numbers, zone, now)
    else:
        _group_table(rows, subs, numbers, batches, zone, now, limit)
        problems = [r for r in rows if r.state in ("failed", "dead") and r.error_code != "empty"]
        if problems:
            _row_table(problems[:limit], subs, numbers, zone, now, title="problems")
    if len(rows) > limit and state is not None:
        console.print(f"… {len(rows) - limit} more rows; narrow with --issue or raise --limit")


def _address(row: Delivery, subs: dict[int, Subscription]) -> str:
    sub = subs.get(row.subscription_id)
    return sub.address if sub else f"subscription {row.subscription_id}"


def _group_table(
    rows: list[Delivery],
    subs: dict[int, Subscription],
    numbers: dict[int, int],
    batches: dict[Group, BatchPlan | None],
    zone: ZoneInfo,
    now: datetime,
    limit: int,
) -> None:
    from bots.cli.lookups import when

    groups: dict[Group, list[Delivery]] = defaultdict(list)
    for row in rows:
        groups[row.group].append(row)
    table = Table("issue", "target", "sent", "state", "note", title="deliveries")
    for index, (group, members) in enumerate(groups.items()):
        if index >= limit:
            show_table(table)
            console.print(f"… {len(groups) - limit} more; narrow with --issue or --state")
            return
        states = Counter(r.state for r in members)
        target = escape(_address(members[0], subs))
        batch = batches.get(group)
        if batch is not None:
            who = (
                "broadcast"
                if batch.recipients == ("all",)
                else f"{len(batch.recipients)} follower(s)"
            )
            target += f" · batch {group.batch} ({who})"
        real = [r for r in members if r.error_code != "empty"]
        shown = ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
        note = ""
        if not real:
            note = members[0].last_error or ""
            shown = "nothing to send"
        else:
            waiting = [r for r in members if r.state == "failed" and r.next_attempt_at]
            dead = [r for r in members if r.state == "dead"]
            if waiting:
                soonest = min(r.next_attempt_at for r in waiting if r.next_attempt_at)
                note = f"retry {when(soonest, zone, now)}: {waiting[0].last_error}"
            elif dead:
                note = dead[0].last_error or ""
            else:
                last = max(r.updated_at for r in members)
                note = f"last change {when(last, zone, now)}"
            removed = sum(r.duplicates_removed for r in members)
            if removed:
                note += f"; {removed} duplicate removed (a late copy was deleted)"
        sent = f"{states.get('sent', 0)}/{len(real)}" if real else "-"
        colour = "green" if real and states.get("sent", 0) == len(real) else "yellow"
        table.add_row(
            f"#{numbers.get(group.issue_id, '?')}",
            target,
            f"[{colour}]{sent}[/]",
            shown,
            escape(note),
        )
    show_table(table)


def _where(row: Delivery) -> str:
    said = row.last_error or row.sent_ref or ""
    if row.duplicates_removed:
        said += f" · duplicate removed ×{row.duplicates_removed} (a late copy was deleted)"
    return said


def _row_table(
    rows: list[Delivery],
    subs: dict[int, Subscription],
    numbers: dict[int, int],
    zone: ZoneInfo,
    now: datetime,
    *,
    title: str = "deliveries",
) -> None:
    from bots.cli.lookups import when

    table = Table(
        "issue", "target", "unit", "state", "attempts", "next try", "reason / where", title=title
    )
    for row in rows:
        table.add_row(
            f"#{numbers.get(row.issue_id, '?')}",
            escape(_address(row, subs)),
            escape(row.unit),
            row.state,
            str(row.attempts),
            when(row.next_attempt_at, zone, now) if row.next_attempt_at else "-",
            escape(_where(row)),
        )
    show_table(table)
