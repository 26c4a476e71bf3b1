"""Which failures a person can fix from one line, and that line.

A known failure (a haishin error, a bad setting, a database that can't be reached) is printed
as its message alone (a line each when it names several mistakes) with exit status 1;
anything else is a bug and keeps its traceback.
The libraries are imported only once something failed, so a command that works pays nothing.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from core.errors import HaishinError


def known_message(exc: BaseException) -> str | None:
    """The one line that says what to fix, or None when ``exc`` is not a known failure."""
    if isinstance(exc, HaishinError):
        return str(exc)
    if "pydantic" in sys.modules:
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            return _bad_settings(exc)
    if "sqlalchemy" in sys.modules:
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            reason = str(exc.orig or exc).strip().splitlines()[0]
            return (
                f"can't use the database: {reason} (check HAISHIN_DATABASE_URL and that the "
                "database server is running)"
            )
    return None


def _bad_settings(exc: BaseException) -> str:
    from pydantic import ValidationError

    assert isinstance(exc, ValidationError)
    parts = []
    for error in exc.errors(include_url=False):
        name = ".".join(str(x) for x in error.get("loc", ())) or exc.title
        given = error.get("input")
        shown = f" (it is {given!r})" if isinstance(given, str | int | float) else ""
        parts.append(f"{name}: {error.get('msg', 'not valid')}{shown}")
    return "a setting is wrong: " + "; ".join(parts)


def print_failure(message: str, *, code: int = 1) -> NoReturn:
    """Print ``error: MESSAGE`` on stderr (the message as text, never markup) and exit.

    A message of several lines (a profile with several mistakes) prints ``error:`` before
    each, one mistake a line.
    """
    from rich.markup import escape

    from bots.cli.common import errors

    for line in message.splitlines() or [message]:
        errors.print(f"[bold red]error:[/] {escape(line)}", highlight=False)
    raise typer.Exit(code)
