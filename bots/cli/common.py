"""What every CLI command shares: the console, error handling, services, issue selectors."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import date
from functools import wraps
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

from rich.console import Console
from rich.table import Table

from bots.cli.failures import known_message, print_failure
from core.errors import ConfigError, NotFound

# Every `haishin` run imports the command table, `--help` included, so the command modules
# import what only some commands need (services, SQLAlchemy, the SDKs) inside those commands.
if TYPE_CHECKING:
    from bots.bootstrap import Services
    from bots.settings import Settings
    from core.library import IssueRecord

# core.delivery.STATES, spelled out for the commands' help (core.delivery loads SQLAlchemy);
# tests/bots/cli/test_imports.py checks the two agree.
DELIVERY_STATES = ("pending", "sending", "sent", "failed", "dead")

# Into a pipe or a file, lines are never wrapped nor table cells cut: the pager or the next
# program decides. Only a terminal gets lines fitted to its width.
UNWRAPPED = 100_000


def _console(*, stderr: bool = False) -> Console:
    made = Console(stderr=stderr)
    return made if made.is_terminal else Console(stderr=stderr, width=UNWRAPPED)


console = _console()
errors = _console(stderr=True)

P = ParamSpec("P")
T = TypeVar("T")


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Print an error a person can act on (plain text, never markup) and exit."""
    print_failure(message, code=code)


def async_command(func: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """Run an async Typer command; a known failure (see ``failures``) becomes one red line,
    not a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            import asyncio

            return asyncio.run(func(*args, **kwargs))
        except Exception as exc:
            message = known_message(exc)
            if message is None:
                raise
            fail(message)

    return wrapper


# Columns holding identifiers (targets such as slack:T0123/C0456, units, files): whole or not
# at all, since a cut one can't be typed back.
IDENTIFIERS = ("#", "id", "target", "unit", "file", "entry", "key", "section", "date")


def show_table(table: Table, *whole: str) -> None:
    """Print a table whose identifier columns (``IDENTIFIERS`` and ``whole``, by header) are
    never cut nor wrapped: a terminal too narrow for them gets the table at its own width."""
    from rich.measure import Measurement
    from rich.text import Text

    for column in table.columns:
        longest = (
            max(
                (Text.from_markup(cell).cell_len if isinstance(cell, str) else 0)
                for cell in column.cells
            )
            if column.cells
            else 0
        )
        if column.header in (*whole, *IDENTIFIERS):
            column.no_wrap = True
            column.overflow = "fold"
            column.min_width = max(column.min_width or 0, longest)
        else:  # the others wrap (a long word folds, never cut) but don't vanish
            if column.max_width is None:  # a deliberate excerpt keeps its ellipsis
                column.overflow = "fold"
            words = str(column.header).split() or [""]
            least = max(max(map(len, words)), min(longest, 10))
            column.min_width = max(column.min_width or 0, least)
    need = Measurement.get(console, console.options, table).minimum
    console.print(table, width=max(console.width, need), crop=False)


@contextlib.asynccontextmanager
async def services(
    settings: Settings | None = None, *, create: bool = False
) -> AsyncIterator[Services]:
    """Bootstrapped services, closed on exit.

    Args:
        settings: the settings (default: from the environment).
        create: make the SQLite database when it does not exist yet (``ingest``); other
            commands refuse, so a mistyped path never hands them a new empty database.

    Raises:
        ConfigError: no SQLite database at the configured path (without ``create``).
    """
    from bots.bootstrap import bootstrap
    from bots.settings import Settings
    from core.storage.database import missing_sqlite_file

    settings = settings or Settings()
    missing = None if create else missing_sqlite_file(settings.database_url)
    if missing is not None:
        raise ConfigError(
            f"no database at {missing}; run `haishin ingest` or `haishin serve` first "
            "(or set HAISHIN_DATABASE_URL to the database you mean)"
        )
    built = await bootstrap(settings)
    try:
        yield built
    finally:
        await built.close()


_NUMBER = re.compile(r"^(?:#|no\.?|issue\s*|第)?\s*(\d{1,6})\s*号?$", re.IGNORECASE)


async def select_issue(
    selector: str,
    *,
    latest: Callable[[], Awaitable[T | None]],
    by_number: Callable[[int], Awaitable[T | None]],
    by_date: Callable[[date], Awaitable[T | None]],
    none_yet: str,
) -> T:
    """What an issue selector names: a number (``3``, ``#3``, ``第3号``), a date
    (``2025-10-04``) or ``latest``, looked up with the given functions.

    Raises:
        NotFound: nothing matches; the message says what exists (``none_yet`` for latest).
    """
    text = selector.strip()
    found: T | None
    if text.casefold() in ("latest", "最新", ""):
        found, what = await latest(), none_yet
    elif match := _NUMBER.match(text):
        found = await by_number(int(match[1]))
        what = f"no issue number {match[1]}; `haishin issues` lists them"
    else:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise NotFound(
                f"{selector!r} is not an issue: give a number (3), a date (2025-10-04) or latest"
            ) from None
        found = await by_date(day)
        what = f"no issue dated {day}; `haishin issues` lists them"
    if found is None:
        raise NotFound(what)
    return found


async def find_issue(svc: Services, selector: str) -> IssueRecord:
    """A published issue by number, date or ``latest`` (see ``select_issue``)."""
    return await select_issue(
        selector,
        latest=lambda: svc.library.latest(svc.clock.now()),
        by_number=svc.library.get,
        by_date=svc.library.by_date,
        none_yet="no published issue yet; run `haishin ingest` first",
    )
