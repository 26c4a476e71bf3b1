"""The editor's commands: ingest, issues, show, preview, ask."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bots import registry
from bots.cli.common import async_command, console, errors, fail, find_issue, services, show_table
from core.errors import ContentError

if TYPE_CHECKING:
    from bots.settings import Settings
    from core.model import Issue

PlatformOpt = Annotated[str, typer.Option("--platform", "-p", help=registry.choices("all"))]
AskPlatformOpt = Annotated[str, typer.Option("--platform", "-p", help=registry.choices())]
FIRST_PLATFORM = registry.names()[0]  # ask's default: the registry's first
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]
EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", help="source encoding when not UTF-8/16 (e.g. cp932)")
]


def register(app: typer.Typer) -> None:
    """Add the content commands to the CLI."""
    app.command()(ingest)
    app.command()(issues)
    app.command()(show)
    app.command()(preview)
    app.command()(ask)


@async_command
async def ingest(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="issue files (default: all); with --feed, feed URLs"),
    ] = None,
    encoding: EncodingOpt = None,
    feed: Annotated[
        bool, typer.Option("--feed", help="read feeds now: the URLs given, else the profile's")
    ] = False,
) -> None:
    """Load issue files (or feeds); unchanged ones are skipped, changed ones become revisions."""
    from bots.cli.feeds import ingest_feeds
    from core.ingest import default_issue_paths, hold_removed_files, ingest_paths

    if feed:
        await ingest_feeds(paths or [])
        return
    async with services(create=True) as svc:
        files = [Path(p) for p in paths] if paths else default_issue_paths(svc.settings.content_dir)
        if not files:
            fail(f"no issue files under {svc.settings.issues_dir}; add .txt or .md files there")
        missing = [str(p) for p in files if not p.is_file()]
        if missing:
            fail(f"no such file: {', '.join(missing)}")
        with console.status(f"ingesting {len(files)} file(s)…"):
            report = await ingest_paths(
                files,
                profile=svc.profile,
                db=svc.db,
                content_dir=svc.settings.content_dir,
                encoding=encoding,
                clock=svc.clock,
            )
            # The whole folder was read: what is no longer in it is held.
            held = (
                []
                if paths
                else await hold_removed_files(svc.db, svc.settings.content_dir, clock=svc.clock)
            )
    table = Table("file", "result", "issue", "revision", "note", title="ingest")
    style = {
        "new": "green",
        "revised": "yellow",
        "unchanged": "dim",
        "copy": "yellow",
        "error": "bold red",
    }
    for outcome in report.outcomes:
        status = outcome.status
        table.add_row(
            escape(_shown(outcome.path)),
            f"[{style.get(status, '')}]{status}[/]",
            str(outcome.number) if outcome.number is not None else "",
            str(outcome.revision) if outcome.revision is not None else "",
            "see below" if status == "error" else escape(outcome.message or ""),
        )
    show_table(table)
    # whole, not squeezed into a cell: what is wrong, where, and how to fix it
    for outcome in report.outcomes:
        if outcome.status == "error":
            errors.print(f"[bold red]error:[/] {escape(outcome.message or '')}", highlight=False)
    for number, key in held:
        console.print(
            f"[yellow]held:[/] issue {number}: its file {escape(key)} is gone, so it won't be "
            "published or sent until the file is back",
            highlight=False,
        )
    if not report.ok:
        raise typer.Exit(1)


def _shown(path: Path) -> str:
    """A path as the editor would type it: relative to the working directory when inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@async_command
async def issues() -> None:
    """List stored issues: number, date, title (an untitled one's lead headline, dimmed),
    sections, revision, published."""
    from bots.cli.lookups import issue_state

    async with services() as svc:
        entries = await svc.library.catalogue(svc.clock.now())
    if not entries:
        console.print("No issues stored yet. Run [bold]haishin ingest[/] to load content/issues/.")
        return
    table = Table("#", "date", "title", "sections", "rev", "published", title="issues")
    now = svc.clock.now()
    for entry in entries:
        published = issue_state(
            published_at=entry.published_at,
            publish_at=entry.publish_at,
            held=entry.held,
            back_catalogue=entry.back_catalogue,
            now=now,
            zone=svc.profile.timezone,
        )
        if entry.held is not None or published == "due now":
            published = f"[yellow]{published}[/]"
        revision = f"{entry.revision}{' (corrected)' if entry.corrected else ''}"
        table.add_row(
            str(entry.number),
            entry.date.isoformat() if entry.date else "",
            escape(entry.title) if entry.title else f"[dim]{escape(entry.lead or '')}[/]",
            ", ".join(entry.sections),
            revision,
            published,
        )
    show_table(table)


@async_command
async def show(
    issue: Annotated[str, typer.Argument(help="number, date (2025-10-04) or latest")],
    section: Annotated[str | None, typer.Argument(help="a section key or name")] = None,
) -> None:
    """Print an issue, or one section of it, as plain text."""
    from core.plaintext import format_issue

    async with services() as svc:
        record = await find_issue(svc, issue)
        keys: list[str] = []
        if section:
            spec = svc.profile.section_for(section)
            key = spec.key if spec else section
            if record.issue.section(key) is None:
                have = ", ".join(s.key for s in record.issue.sections)
                fail(f"issue {record.issue.number} has no section {section!r}; it has: {have}")
            keys = [key]
    text = format_issue(record.issue, keys)
    if console.is_terminal:
        from bots.cli.wrap import wrap

        text = wrap(text, console.width - 2)  # room for a hanging 、
    console.print(text, markup=False, highlight=False, end="", soft_wrap=True)


@async_command
async def preview(
    source: Annotated[
        str | None, typer.Argument(help="an issue file, or a stored issue (default: latest)")
    ] = None,
    platform: PlatformOpt = "all",
    as_json: JsonOpt = False,
    encoding: EncodingOpt = None,
) -> None:
    """Parse and split without storing anything; show what readers would get."""
    from bots.cli.views import print_preview
    from bots.preview import preview_document
    from bots.settings import Settings
    from core.profile import load_profile

    platforms = _platforms(platform)
    settings = Settings()
    issue = await _preview_source(source, settings, encoding)
    profile = load_profile(settings.profile_path)
    if as_json:
        document = preview_document(issue, profile, platforms)
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    print_preview(issue, profile, platforms)


async def _preview_source(source: str | None, settings: Settings, encoding: str | None) -> Issue:
    from core.ingest import default_issue_paths
    from core.parsing import load_issue
    from core.profile import load_profile

    profile = load_profile(settings.profile_path)
    path = Path(source) if source else None
    if path is not None and (path.is_file() or path.suffix in (".txt", ".md", ".markdown", ".mdx")):
        if not path.is_file():
            fail(f"no such file: {path}")
        return load_issue(path, profile, encoding=encoding)
    async with services(settings) as svc:
        try:
            return (await find_issue(svc, source or "latest")).issue
        except Exception:
            if source:
                raise
    # Nothing stored yet: preview the newest file so a fresh checkout shows something.
    files = default_issue_paths(settings.content_dir)
    if not files:
        raise ContentError(f"no issues stored and no files in {settings.issues_dir}")
    return load_issue(files[-1], profile, encoding=encoding)


@async_command
async def ask(
    text: Annotated[str, typer.Argument(help="what a reader would type, e.g. '最新トピック'")],
    platform: AskPlatformOpt = FIRST_PLATFORM,
    as_json: JsonOpt = False,
) -> None:
    """Answer TEXT exactly as the bots would answer a reader who typed it: the messages the
    Slack or LINE bot would send, drawn by that bot, paged as that bot pages."""
    from bots.cli.asking import ask as ask_bot
    from bots.cli.views import print_asked

    if platform not in registry.names():
        fail(f"--platform must be {registry.choices()}, not {platform!r}")
    async with services() as svc:
        asked = await ask_bot(svc, text, platform)
    if as_json:
        typer.echo(json.dumps(asked.document(), ensure_ascii=False, indent=2))
        return
    print_asked(asked)


def _platforms(choice: str) -> tuple[str, ...]:
    from bots import registry

    if choice == "all":
        return registry.names()
    if choice not in registry.names():
        fail(f"--platform must be {registry.choices('all')}, not {choice!r}")
    return (choice,)
