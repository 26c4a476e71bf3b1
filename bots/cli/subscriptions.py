"""The delivery commands: subscriptions, schedule, publish (send and deliveries have modules
of their own).

See ``../shared/interface.md``. Every command works without ``haishin serve`` running: it
changes the database, and a running serve picks the change up (its scheduler re-reads the
subscriptions every few seconds; its workers send whatever the ledger holds).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from bots.cli.common import async_command, console, fail, select_issue, services, show_table

if TYPE_CHECKING:
    from bots.bootstrap import Services
    from core.storage import StoredIssue, Subscription

subscriptions_app = typer.Typer(
    help="Who gets what and when (list, add, pause, resume, remove).",
    no_args_is_help=False,
    invoke_without_command=True,
)

LIVE = timedelta(seconds=30)


def register(app: typer.Typer) -> None:
    """Add the delivery commands to the CLI."""
    from bots.cli import deliveries, sending

    app.add_typer(subscriptions_app, name="subscriptions")
    app.command()(schedule)
    app.command()(publish)
    app.command()(unschedule)
    app.command()(reschedule)
    sending.register(app)
    deliveries.register(app)


@subscriptions_app.callback()
def _subscriptions(ctx: typer.Context) -> None:
    """Who gets what and when; without a subcommand, the list."""
    if ctx.invoked_subcommand is None:
        list_subscriptions(platform=None)


@subscriptions_app.command("list")
@async_command
async def list_subscriptions(
    platform: Annotated[str | None, typer.Option(help="only slack or line")] = None,
) -> None:
    """Every subscription: target, sections, cadence, state (with why it is paused)."""
    from bots.cli.lookups import cadence_text, sections_text
    from core.storage import SubscriptionRepository
    from core.storage.delivery_ledger import DeliveryLedgerRepository

    async with services() as svc:
        subs = await SubscriptionRepository(svc.db).list(platform=platform)
        received = await DeliveryLedgerRepository(svc.db).last_received()
    if not subs:
        console.print(
            "No subscriptions yet. Add one with "
            "[bold]haishin subscriptions add --to slack:TEAM/CHANNEL[/] (or line:all), "
            "or type [bold]/haishin subscribe[/] in a Slack channel."
        )
        return
    table = Table(
        "id", "target", "sections", "when", "state", "last received", title="subscriptions"
    )
    for sub in subs:
        state = (
            "[green]active[/]"
            if sub.active
            else f"[yellow]paused:[/] {escape(sub.paused_reason or '')}"
        )
        last = received.get(sub.id)
        table.add_row(
            str(sub.id),
            escape(sub.address),
            escape(sections_text(sub.sections, svc.profile)),
            cadence_text(sub),
            state,
            f"#{last}" if last else "-",
        )
    show_table(table)


@subscriptions_app.command("add")
@async_command
async def add(
    to: Annotated[str, typer.Option("--to", help="slack:TEAM/CHANNEL, line:USER or line:all")],
    sections: Annotated[
        str | None, typer.Option(help="comma-separated section keys (default: all)")
    ] = None,
    cadence: Annotated[str | None, typer.Option(help="on-publish (default) or weekly")] = None,
    weekly: Annotated[
        str | None, typer.Option(help="weekly slot, e.g. 'mon 09:00' (implies weekly)")
    ] = None,
    tz: Annotated[
        str | None, typer.Option(help="IANA time zone of the slot (default: the newsletter's)")
    ] = None,
) -> None:
    """Subscribe a target, or change the subscription it has."""
    from bots.cli.lookups import cadence_text, check_slot_zone, parse_sections, sections_text
    from core.delivery import Target
    from core.slot import WeeklySlot
    from core.storage import SubscriptionRepository

    target = Target.parse(to)
    async with services() as svc:
        keys = parse_sections(sections, svc.profile)
        chosen = cadence or ("weekly" if weekly else "on-publish")
        if chosen not in ("on-publish", "weekly"):
            fail(f"--cadence {chosen!r}: use on-publish or weekly")
        slot = None
        if chosen == "weekly":
            if weekly:
                slot = WeeklySlot.parse(weekly, check_slot_zone(tz, svc.profile))
            elif svc.profile.digest_slot is not None:
                slot = svc.profile.digest_slot
            else:
                fail(
                    "a weekly subscription needs --weekly 'mon 09:00' (and --tz if not "
                    f"{svc.profile.timezone.key})"
                )
        elif weekly or tz:
            fail("--weekly and --tz go with --cadence weekly (or leave --cadence out)")
        repository = SubscriptionRepository(svc.db, clock=svc.clock)
        existed = await repository.find(target.platform, target.target, target.workspace)
        sub = await repository.add(
            platform=target.platform,
            workspace=target.workspace,
            target=target.target,
            sections=keys,
            cadence="weekly" if slot else "on-publish",
            slot=slot,
        )
    verb = "updated" if existed else "subscribed"
    start = f"; gets issues after #{sub.starts_after}" if sub.starts_after else ""
    console.print(
        f"{verb} [bold]{escape(sub.address)}[/] (id {sub.id}): "
        f"{escape(sections_text(sub.sections, svc.profile))}, {cadence_text(sub)}{start}"
    )
    if existed and not existed.active:
        console.print("it was paused and is active again")


@subscriptions_app.command("pause")
@async_command
async def pause(
    which: Annotated[str, typer.Argument(help="subscription id or target")],
    reason: Annotated[str, typer.Option(help="why (shown in the list)")] = "paused by hand",
) -> None:
    """Stop sending to a subscription until it is resumed."""
    from bots.cli.lookups import find_subscription
    from core.delivery import pause as pause_subscription

    async with services() as svc:
        sub = await find_subscription(svc, which)
        await pause_subscription(svc.db, sub.id, reason, clock=svc.clock)
    console.print(f"paused [bold]{escape(sub.address)}[/] (id {sub.id}): {escape(reason)}")


@subscriptions_app.command("resume")
@async_command
async def resume(which: Annotated[str, typer.Argument(help="subscription id or target")]) -> None:
    """Send to a paused subscription again, picking up where it stopped."""
    from bots.cli.lookups import find_subscription
    from core.delivery import resume as resume_subscription

    async with services() as svc:
        sub = await find_subscription(svc, which)
        _, revived = await resume_subscription(svc.db, sub.id, clock=svc.clock)
    note = f"; {revived} unsent unit(s) will be sent" if revived else ""
    console.print(f"resumed [bold]{escape(sub.address)}[/] (id {sub.id}){note}")


@subscriptions_app.command("remove")
@async_command
async def remove(which: Annotated[str, typer.Argument(help="subscription id or target")]) -> None:
    """Delete a subscription (and its delivery history)."""
    from bots.cli.lookups import find_subscription
    from core.storage import SubscriptionRepository

    async with services() as svc:
        sub = await find_subscription(svc, which)
        await SubscriptionRepository(svc.db).remove(sub.id)
    console.print(f"removed [bold]{escape(sub.address)}[/] (id {sub.id})")


@async_command
async def schedule() -> None:
    """The next slot of every subscription, and what it will get."""
    from bots.cli.lookups import cadence_text, when
    from core.storage import IssueRepository, SubscriptionRepository
    from core.storage.delivery_ledger import DeliveryLedgerRepository

    async with services() as svc:
        now = svc.clock.now()
        subs = await SubscriptionRepository(svc.db).list()
        issues = IssueRepository(svc.db, clock=svc.clock)
        latest = await issues.latest_published()
        upcoming = sorted(
            (
                s
                for s in await issues.all_issues()
                if s.published_at is None
                and not s.back_catalogue
                and s.held is None
                and s.publish_at is not None
            ),
            key=lambda s: s.number,
        )
        ledger = DeliveryLedgerRepository(svc.db)
        zone = svc.profile.timezone
        table = Table("id", "target", "when", "next slot", "gets", title="schedule")
        for sub in subs:
            fresh = None
            new = latest is not None and latest.number > (sub.starts_after or 0)
            if new and latest is not None and not await ledger.has_rows(sub.id, latest.id):
                fresh = latest.number
            slot_text, gets = _next_slot(sub, fresh, upcoming, zone, now)
            table.add_row(str(sub.id), escape(sub.address), cadence_text(sub), slot_text, gets)
    if not subs:
        console.print("No subscriptions, so nothing is scheduled.")
        return
    show_table(table)
    overdue = [s for s in upcoming if s.publish_at is not None and s.publish_at <= now]
    future = [s for s in upcoming if s not in overdue]
    if overdue:
        numbers = ", ".join(f"#{s.number}" for s in overdue)
        console.print(
            f"due and not yet published: {numbers} (since "
            f"{when(overdue[0].publish_at, zone, now)}); a running haishin serve publishes "
            "them within seconds"
        )
    if future:
        console.print(
            f"next publication: issue #{future[0].number} at "
            f"{when(future[0].publish_at, zone, now)}"
        )


def _next_slot(
    sub: Subscription,
    fresh: int | None,
    upcoming: list[StoredIssue],
    zone: ZoneInfo,
    now: datetime,
) -> tuple[str, str]:
    """(when the subscription next gets something, what it gets)."""
    from bots.cli.lookups import when

    if not sub.active:
        return "-", f"[yellow]paused:[/] {escape(sub.paused_reason or '')}"
    if sub.cadence == "weekly" and sub.slot is not None:
        slot_at = sub.slot.next_after(now)
        got = f"issue #{fresh}" if fresh else "the newest issue, if it is new to it"
        return when(slot_at, sub.slot.zone, now), got
    if fresh:
        return "now (a running haishin serve hands it over)", f"issue #{fresh}"
    if upcoming:
        nxt = upcoming[0]
        return f"{when(nxt.publish_at, zone, now)}, at publication", f"issue #{nxt.number}"
    return "when the next issue is published", "the next issue"


@async_command
async def unschedule(issue: Annotated[str, typer.Argument(help="number or date")]) -> None:
    """Cancel a scheduled issue: it is neither published nor sent (and readers don't see
    it) until `haishin reschedule`; editing its file doesn't bring it back."""
    from core.storage import IssueRepository

    async with services() as svc:
        issues = IssueRepository(svc.db, clock=svc.clock)
        stored = await _unpublished_issue(svc, issue)
        cancelled = await issues.cancel(stored.number)
    console.print(
        f"issue #{cancelled.number} is cancelled: it won't be published or sent; "
        f"`haishin reschedule {cancelled.number}` puts it back on its schedule"
    )


@async_command
async def reschedule(issue: Annotated[str, typer.Argument(help="number or date")]) -> None:
    """Undo `haishin unschedule`: the issue goes out at its time again."""
    from bots.cli.lookups import when
    from core.storage import IssueRepository

    async with services() as svc:
        issues = IssueRepository(svc.db, clock=svc.clock)
        stored = await _unpublished_issue(svc, issue)
        if stored.held != "cancelled":
            fail(f"issue #{stored.number} is not cancelled ({_state(stored, svc)})")
        back = await issues.reschedule(stored.number)
        now, zone = svc.clock.now(), svc.profile.timezone
    if back.held == "draft":
        console.print(
            f"issue #{back.number} is no longer cancelled, but it is still a draft: its file "
            "has no date; add one (or publish_at) to its front matter to schedule it"
        )
    elif back.publish_at is None or back.publish_at <= now:
        console.print(
            f"issue #{back.number} is back on schedule and due now: a running haishin serve "
            "publishes it within seconds"
        )
    else:
        console.print(
            f"issue #{back.number} is back on schedule: it goes out "
            f"{when(back.publish_at, zone, now)}"
        )


async def _unpublished_issue(svc: Services, selector: str) -> StoredIssue:
    from bots.cli.lookups import when
    from core.storage import IssueRepository

    issues = IssueRepository(svc.db, clock=svc.clock)
    stored = await select_issue(
        selector,
        latest=lambda: issues.latest(svc.clock.now()),
        by_number=issues.get,
        by_date=issues.by_date,
        none_yet="no issue is stored; `haishin issues` lists them",
    )
    if stored.published_at is not None:
        out = when(stored.published_at, svc.profile.timezone)
        fail(
            f"issue #{stored.number} was published {out}; what went out can't be "
            "cancelled (edit its file to send a correction)"
        )
    return stored


def _state(stored: StoredIssue, svc: Services) -> str:
    from bots.cli.lookups import issue_state

    return issue_state(
        published_at=stored.published_at,
        publish_at=stored.publish_at,
        held=stored.held,
        back_catalogue=stored.back_catalogue,
        now=svc.clock.now(),
        zone=svc.profile.timezone,
    )


@async_command
async def publish(issue: Annotated[str, typer.Argument(help="number, date or latest")]) -> None:
    """Publish an issue now instead of at its scheduled time."""
    from bots.bootstrap import build_delivery, build_platforms
    from bots.cli.lookups import stored_issue, when
    from core.storage import HeartbeatRepository

    async with services() as svc:
        stored = await stored_issue(svc, issue)
        kit = build_delivery(svc, build_platforms(svc))
        newly = await kit.publishing.publish(stored.number)
        handover = await kit.publishing.hand_over_on_publish()
        live = await HeartbeatRepository(svc.db, clock=svc.clock).live(LIVE)
        zone = svc.profile.timezone
    if newly:
        console.print(f"issue #{stored.number} published now")
    else:
        console.print(
            f"issue #{stored.number} was already published "
            f"({when(stored.published_at, zone)}); nothing changes"
        )
    if handover is None or handover.number != stored.number:
        if newly:
            console.print("on-publish subscribers don't get it: it is not the newest issue out")
        return
    if handover.rows:
        console.print(
            f"handed to {handover.subscriptions} on-publish subscription(s): "
            f"{handover.rows} unit(s) to send"
        )
        if live:
            console.print(f"a running haishin serve ({escape(live[0].id)}) sends them now")
        else:
            console.print(
                "[yellow]no haishin serve is running:[/] start it to send them "
                "(or send to one target now with haishin send)"
            )
    for reason in handover.skipped:
        console.print(
            f"[yellow]not handed over here:[/] {escape(reason)}; a haishin serve "
            "with that platform on will hand it over"
        )
