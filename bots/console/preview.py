"""Previewing an issue file without storing it: pasted, uploaded, or from the content folder."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bots.console.app import Console
from bots.console.issue_view import build_issue_view
from core.errors import ContentError
from core.ingest import default_issue_paths, issue_file


async def preview_page(console: Console, request: Request) -> Response:
    """The preview form; ``?file=issues/x.txt`` previews a file of the content folder."""
    key = request.query_params.get("file")
    if key:
        content_dir = console.services.settings.content_dir
        path = _inside(content_dir, key)
        if path is None:
            return console.message(
                request, 404, "No such file", f"{key} is not an issue file of the content folder."
            )
        try:
            target = issue_file(path, content_dir)  # the check ingest and the watcher make
        except ContentError as exc:
            return console.message(request, 403, "Not read", f"{key} {exc.message}.")
        data = await asyncio.to_thread(target.read_bytes)
        return await preview_bytes(console, request, data, key)
    return console.page(request, "preview.html", nav="preview", view=None)


async def preview_bytes(
    console: Console, request: Request, data: bytes, name: str, form: Any = None
) -> Response:
    """The preview page for an issue file's bytes: its posts, or why it can't be read."""
    from core.parsing import parse_issue

    pasted = _text_field(form)
    try:
        issue = await asyncio.to_thread(parse_issue, data, name=name, profile=console.profile)
    except ContentError as exc:
        lines = data.decode("utf-8", errors="replace").split("\n")
        source = lines[exc.line - 1] if exc.line and 0 < exc.line <= len(lines) else None
        error = {
            "where": f"{exc.path or name}{':' + str(exc.line) if exc.line else ''}",
            "message": exc.message,
            "hint": exc.hint,
            "line": exc.line,
            "source": source,
        }
        return console.page(
            request,
            "preview.html",
            nav="preview",
            view=None,
            error=error,
            form_name=name,
            form_text=pasted,
        )
    source = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    view = await asyncio.to_thread(
        build_issue_view, issue, console.profile, console.fresh_renderers(), source=source
    )
    return await asyncio.to_thread(
        console.page, request, "preview.html", nav="preview", view=view, name=name, form_name=name
    )


def _text_field(form: Any) -> str:
    value = form.get("text") if form is not None else None
    return value if isinstance(value, str) else ""


def source_key(path: Path, content_dir: Path) -> str:
    """A file's key as ingest stores it: its path relative to the content folder."""
    try:
        return path.resolve().relative_to(content_dir.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def listed_key(path: Path, content_dir: Path) -> str:
    """A file of the content folder as it is listed there (a link by its own name)."""
    return path.relative_to(content_dir).as_posix()


def _inside(content_dir: Path, key: str) -> Path | None:
    """The issue file ``key`` names, only if it is one of the content folder's issue files
    (by its own name, or by the key ingest stores it under)."""
    wanted: dict[str, Path] = {}
    for path in default_issue_paths(content_dir):
        wanted.setdefault(listed_key(path, content_dir), path)
        wanted.setdefault(source_key(path, content_dir), path)
    return wanted.get(key)
