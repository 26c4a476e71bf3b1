"""``haishin send``: one issue to one target, now, through the ledger (never twice)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from bots.cli.common import DELIVERY_STATES, async_command, console, fail, services

if TYPE_CHECKING:
    from bots.bootstrap import DeliveryKit, Services
    from bots.platform import Platform
    from core.delivery import Delivery, Fanout, Target
    from core.storage import StoredIssue, Subscription

ONE_OFF = "one-off sends only (haishin send); resume it to subscribe"
StateOpt = Annotated[
    str | None, typer.Option(help="only rows in this state: " + ", ".join(DELIVERY_STATES))
]


def register(app: typer.Typer) -> None:
    """Add ``send`` to the CLI."""
    app.command()(send)


@async_command
async def send(
    issue: Annotated[str, typer.Argument(help="number, date or latest")],
    to: Annotated[str, typer.Option("--to", help="slack:TEAM/CHANNEL, line:USER or line:all")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would go, send nothing")
    ] = False,
    wait: Annotated[
        int, typer.Option(help="seconds to keep retrying failed units before leaving them")
    ] = 600,
) -> None:
    """Deliver an issue to one target now, through the ledger (never twice)."""
    from bots import registry
    from bots.bootstrap import build_delivery, build_fanout, build_platforms
    from bots.cli.lookups import stored_issue
    from core.delivery import Target
    from core.storage import SubscriptionRepository
    from core.storage.delivery_ledger import DeliveryLedgerRepository

    target = Target.parse(to, others=registry.names())
    async with services() as svc:
        stored = await stored_issue(svc, issue)
        repository = SubscriptionRepository(svc.db, clock=svc.clock)
        if dry_run:
            # Nothing is sent, so no credentials are needed: the messages are drawn here.
            # With the platform on, its planner also checks the plan against LINE's quota.
            sub = await repository.find(target.platform, target.target, target.workspace)
            on = build_platforms(svc)
            if target.platform not in on:
                on = _offline(svc, target.platform)
            try:
                await _dry_run(svc, build_fanout(svc, on), target, sub, stored)
            finally:  # the quota check may have opened a platform's HTTP session
                for platform in on.values():
                    for hook in platform.on_shutdown:
                        await hook()
            return
        platforms = build_platforms(svc)
        if target.platform not in platforms:
            fail(
                f"{target.platform} is off: set its settings (see `haishin serve`'s log or the "
                "README) to send there"
            )
        kit = build_delivery(svc, platforms)
        sub = await repository.find(target.platform, target.target, target.workspace)
        if sub is None:
            sub = await repository.add(
                platform=target.platform, workspace=target.workspace, target=target.target
            )
            sub = await repository.pause(sub.id, ONE_OFF)
        handover = await kit.publishing.hand_over_to(sub, stored.number)
        ledger = DeliveryLedgerRepository(svc.db, clock=svc.clock)
        if handover.skipped and not await ledger.has_rows(sub.id, stored.id):
            fail(escape("; ".join(handover.skipped)))
        rows = await ledger.rows(subscription_id=sub.id, issue_id=stored.id)
        todo = [r for r in rows if r.state in ("pending", "sending", "failed")]
        if not todo:
            _already(rows, sub, stored, svc.profile.timezone)
            return
        failed = await _deliver(svc, kit, platforms, sub, stored, len(todo), wait)
    raise typer.Exit(1 if failed else 0)


async def _deliver(
    svc: Services,
    kit: DeliveryKit,
    platforms: dict[str, Platform],
    sub: Subscription,
    stored: StoredIssue,
    total: int,
    wait: int,
) -> bool:
    from bots.cli.lookups import relative, when
    from core.storage.delivery_ledger import DeliveryLedgerRepository

    platform = platforms[sub.platform]
    for hook in platform.on_startup:
        await hook()
    worker = kit.worker
    ledger = DeliveryLedgerRepository(svc.db, clock=svc.clock)
    outcome: Counter[str] = Counter()
    progress = Progress(
        TextColumn(f"issue #{stored.number} → {escape(sub.address)}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
    )
    try:
        await worker.register()
        with progress:
            task = progress.add_task("", total=total)

            def counted(row: Delivery, state: str) -> None:
                outcome[state] += 1
                if state in ("sent", "dead"):
                    progress.advance(task)
                progress.update(task, description=", ".join(f"{n} {s}" for s, n in outcome.items()))

            worker.on_unit = counted
            deadline = svc.clock.now() + timedelta(seconds=wait)
            while True:
                await worker.drain(subscription_id=sub.id, issue_id=stored.id, include_paused=True)
                rows = await ledger.rows(subscription_id=sub.id, issue_id=stored.id)
                left = [r for r in rows if r.state in ("pending", "sending", "failed")]
                if not left:
                    break
                retry = min((r.next_attempt_at for r in left if r.next_attempt_at), default=None)
                now = svc.clock.now()
                if retry is not None and retry > deadline:
                    break
                if now > deadline:
                    break
                pause = (retry - now).total_seconds() if retry else 1.0
                progress.update(task, description=f"retry {relative(timedelta(seconds=pause))}")
                await asyncio.sleep(min(max(pause, 0.2), 30.0))
    finally:
        worker.on_unit = None
        await worker.stop(grace=5)
        for hook in platform.on_shutdown:
            await hook()
    rows = await ledger.rows(subscription_id=sub.id, issue_id=stored.id)
    states = Counter(r.state for r in rows)
    console.print(
        f"issue #{stored.number} to {escape(sub.address)}: "
        + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
    )
    problems = [r for r in rows if r.state in ("failed", "dead", "pending", "sending")]
    for row in problems:
        later = (
            f", next try {when(row.next_attempt_at, svc.profile.timezone)}"
            if row.next_attempt_at
            else ""
        )
        console.print(
            f"  [red]{row.state}[/] {escape(row.unit)}: {escape(row.last_error or '')}{later}"
        )
    if any(r.state in ("pending", "failed", "sending") for r in rows):
        console.print("the rest is in the ledger: a running haishin serve finishes it")
    return bool(problems)


def _already(rows: list[Delivery], sub: Subscription, stored: StoredIssue, zone: ZoneInfo) -> None:
    from bots.cli.lookups import when

    sent = sum(1 for r in rows if r.state == "sent")
    if sent:
        console.print(
            f"issue #{stored.number} was already delivered to {escape(sub.address)} "
            f"({sent} unit(s), {when(max(r.updated_at for r in rows), zone)}); "
            "not sent again"
        )
    else:
        reasons = {r.last_error for r in rows if r.last_error}
        console.print(
            f"nothing to send to {escape(sub.address)}: {escape('; '.join(sorted(reasons)))}"
        )


async def _dry_run(
    svc: Services, fanout: Fanout, target: Target, sub: Subscription | None, stored: StoredIssue
) -> None:
    from bots import registry
    from core.errors import DeliveryError
    from core.storage import Subscription
    from core.storage.delivery_ledger import DeliveryLedgerRepository

    ledger = DeliveryLedgerRepository(svc.db)
    if sub is not None and await ledger.has_rows(sub.id, stored.id):
        rows = await ledger.rows(subscription_id=sub.id, issue_id=stored.id)
        states = Counter(r.state for r in rows)
        console.print(
            f"issue #{stored.number} is already in the ledger for {escape(sub.address)}: "
            + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
            + (
                "; sending would only finish what is left"
                if states.keys() - {"sent", "dead"}
                else "; nothing would be sent"
            )
        )
        return
    probe = sub or Subscription(
        id=0,
        platform=target.platform,
        workspace=target.workspace,
        target=target.target,
        sections=(),
        cadence="on-publish",
        slot=None,
        active=True,
        paused_reason=None,
        starts_after=None,
        created_at=svc.clock.now(),
        updated_at=svc.clock.now(),
    )
    try:
        plan = await fanout.plan(probe, stored)
    except DeliveryError as exc:
        fail(f"nothing would be sent: {escape(str(exc))}")
    if not plan.groups:
        console.print(f"nothing would be sent: {escape(plan.empty_reason)}")
        return

    from core.delivery import chosen_sections

    chosen = tuple(chosen_sections(probe, stored)) if probe.sections else ()
    contract = registry.platform(target.platform)
    publisher: Any = fanout.publishers[target.platform]  # it draws: messages(digest, unit)
    units = 0
    for group in plan.groups:
        kind = contract.recipients_said(group.audience.recipients or (target.target,))
        batch = f"batch {group.batch}, " if group.batch else ""
        console.print(
            f"[bold]issue #{stored.number} → {escape(target.address)}[/] ({batch}{kind})",
            highlight=False,
        )
        digest = fanout.digest(stored, group.audience.sections or chosen)
        for unit in group.units:
            units += 1
            for message in publisher.messages(digest, unit):
                parts, buttons = contract.terminal(message)
                body = Text("\n").join(parts)
                if buttons:
                    body.append("\n" + "  ".join(f"[ {b} ]" for b in buttons), style="bold")
                console.print(f"── unit {unit} ──", markup=False, highlight=False)
                console.print(body, highlight=False, soft_wrap=not console.is_terminal)
    if plan.summary:
        console.print(f"plan: {plan.summary}", markup=False, highlight=False)
    console.print(
        f"{units} unit(s) in {len(plan.groups)} send group(s) would go; nothing was sent",
        highlight=False,
    )


def _offline(svc: Services, name: str) -> dict[str, Platform]:
    """The platform's offline side (``ChatPlatform.offline``), while it is off here: a
    publisher that draws what it would send and holds no credentials, and its planner."""
    from bots import registry

    offline = registry.platform(name).offline(svc)
    return {name: offline} if offline is not None else {}
