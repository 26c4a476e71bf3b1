"""What every CLI command shares: the console, error handling, services, issue selectors."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import date
from functools import wraps
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from bots.bootstrap import Services, bootstrap
from bots.settings import Settings
from core.errors import HaishinError, NotFound
from core.library import IssueRecord

console = Console()
errors = Console(stderr=True)

P = ParamSpec("P")
T = TypeVar("T")


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Print an error a person can act on and exit."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def async_command(func: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """Run an async Typer command; haishin errors become one red line, not a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return asyncio.run(func(*args, **kwargs))
        except HaishinError as exc:
            fail(str(exc))

    return wrapper


@contextlib.asynccontextmanager
async def services(settings: Settings | None = None) -> AsyncIterator[Services]:
    """Bootstrapped services, closed on exit."""
    built = await bootstrap(settings or Settings())
    try:
        yield built
    finally:
        await built.close()


_NUMBER = re.compile(r"^(?:#|no\.?|issue\s*|第)?\s*(\d{1,6})\s*号?$", re.IGNORECASE)


async def find_issue(svc: Services, selector: str) -> IssueRecord:
    """An issue by number (``3``, ``#3``), date (``2025-10-04``) or ``latest``.

    Raises:
        NotFound: nothing matches; the message says what exists.
    """
    text = selector.strip()
    record: IssueRecord | None
    if text.casefold() in ("latest", "最新", ""):
        record = await svc.library.latest(svc.clock.now())
        what = "no published issue yet; run `haishin ingest` first"
    elif match := _NUMBER.match(text):
        record = await svc.library.get(int(match[1]))
        what = f"no issue number {match[1]}; `haishin issues` lists them"
    else:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise NotFound(
                f"{selector!r} is not an issue: give a number (3), a date (2025-10-04) or latest"
            ) from None
        record = await svc.library.by_date(day)
        what = f"no issue dated {day}; `haishin issues` lists them"
    if record is None:
        raise NotFound(what)
    return record
