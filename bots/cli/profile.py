"""``haishin profile init FILE...``: draft a newsletter.toml from a few issues."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bots.cli.common import console, errors, fail, show_table
from core.errors import ConfigError, ContentError

if TYPE_CHECKING:
    from core.model import Issue
    from core.profilehints import SourceIssue


def register(app: typer.Typer) -> None:
    """Add the ``profile`` command group (``haishin profile init``) to the CLI."""
    profile = typer.Typer(help="The newsletter's profile (newsletter.toml).", no_args_is_help=True)
    profile.command("init")(init)
    app.add_typer(profile, name="profile")


def _read(path: Path, encoding: str | None) -> Issue:
    """An issue read as haishin reads one without a profile; a day and month that could be
    either way round (08-05-2026) are read either way: the structure is what matters here."""
    from core.parsing import load_issue
    from core.profile import Profile

    try:
        return load_issue(path, Profile.default(), encoding=encoding)
    except ContentError as exc:
        if "could be" not in exc.message:
            raise
    return load_issue(path, replace(Profile.default(), date_format="%m-%d-%Y"), encoding=encoding)


def init(
    files: Annotated[list[Path], typer.Argument(help="a few issue files (.md, .mdx, .txt)")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="where to write it (default: the content folder's newsletter.toml; - to print)",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="the newsletter's name as readers know it")] = (
        None
    ),
    force: Annotated[bool, typer.Option("--force", help="replace an existing file")] = False,
    encoding: Annotated[
        str | None, typer.Option(help="source encoding when not UTF-8/16 (e.g. cp932)")
    ] = None,
) -> None:
    """Read a few issues and write a draft newsletter.toml: sections, aliases, date handling."""
    from bots.settings import Settings
    from core.parsing.decode import decode_source
    from core.parsing.frontmatter import front_matter_fields
    from core.profile import parse_profile
    from core.profiledraft import draft_profile
    from core.profilehints import SourceIssue
    from core.profiletoml import render_profile

    target = output if output is not None else Settings().profile_path
    to_stdout = str(target) == "-"
    if not to_stdout and target.exists() and not force:
        fail(f"{target} already exists; pass --force to replace it, or --output another file")
    sources: list[SourceIssue] = []
    for path in files:
        try:
            issue = _read(path, encoding)
            text = decode_source(path.read_bytes(), name=str(path), encoding=encoding)
            fields = front_matter_fields(text, name=str(path))
        except ContentError as exc:
            # A date nobody can read is for the draft to point out: read the rest, say so.
            if "date" not in exc.message:
                fail(str(exc))
            errors.print(f"[yellow]note:[/] {escape(str(exc))}", highlight=False)
            continue
        sources.append(SourceIssue(name=str(path), fields=fields, issue=issue))
    if not sources:
        fail("no issue could be read; see the messages above")
    draft = draft_profile(sources, name=name)
    text = render_profile(draft)
    try:
        parse_profile(tomllib.loads(text), source=str(target))
    except (ConfigError, tomllib.TOMLDecodeError) as exc:  # pragma: no cover - a bug of ours
        fail(f"the draft is not a valid profile: {exc}")
    if to_stdout:
        typer.echo(text, nl=False)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    table = Table("key", "title", "seen in", "link list", title=escape(f"{target}: draft profile"))
    for spec in draft.sections:
        table.add_row(
            escape(spec.key),
            escape(spec.title),
            f"{spec.seen}/{draft.issues}",
            "yes" if spec.link_list else "",
        )
    show_table(table)
    for note in draft.notes:
        console.print(f"dates: {escape(note)}")
    console.print(
        f"Edit {target} (keys, titles, aliases), then try it: haishin preview {files[0]}",
        markup=False,
        highlight=False,
    )
