"""TOML tables described by pydantic models, and their mistakes said one line each.

A ``Table`` refuses keys it does not declare. Its fields say what each value must be, with
the message an editor reads when it is not (``explained``) or a parser that raises
``ConfigError`` with that message (``checked``). ``problems`` turns every error pydantic
collected into lines: ``feed.interval must be at least 1m…``, ``[feed]: unknown key(s)
['intervall'] (did you mean 'interval'?); known keys: […]``, and, inside an array of tables,
which one: ``sections[2] (shorts): 'aliases' must be a list of strings``.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError, WrapValidator
from pydantic_core import ErrorDetails

from core.errors import ConfigError

T = TypeVar("T")
Loc = tuple[int | str, ...]


class Table(BaseModel):
    """A TOML table: every key declared, none other accepted, the parsed values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    # How messages name the table itself (``[feed]``); empty for the file's top level.
    toml_name: ClassVar[str] = ""
    # In an array of tables, the key whose value tells the entries apart (``key``).
    label_key: ClassVar[str | None] = None


def explained(message: str) -> WrapValidator:
    """The field's own checks (type, range), with ``message`` when any fails."""

    def validate(value: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(message) from None

    return WrapValidator(validate)


def checked(parse: Callable[[Any], T]) -> PlainValidator:
    """The value as ``parse`` reads it; its ``ConfigError`` is the message shown."""

    def validate(value: Any) -> T:
        try:
            return parse(value)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None

    return PlainValidator(validate)


def problems(exc: ValidationError, model: type[Table], raw: Any) -> list[str]:
    """One line for each mistake pydantic found in ``raw`` read as ``model``.

    Unknown keys are gathered per table, with the known key nearest each, so a typo reads
    as one line.
    """
    found: list[str | Loc] = []  # a line, or the table whose unknown keys are said there
    unknown: dict[Loc, list[str]] = {}
    for error in exc.errors(include_url=False):
        loc: Loc = tuple(error["loc"])
        if error["type"] == "extra_forbidden":
            if loc[:-1] not in unknown:
                unknown[loc[:-1]] = []
                found.append(loc[:-1])
            unknown[loc[:-1]].append(str(loc[-1]))
        else:
            found.append(_where(model, loc, raw) + _message(error))
    return [
        item if isinstance(item, str) else _unknown_keys(model, item, unknown[item], raw)
        for item in found
    ]


def _message(error: ErrorDetails) -> str:
    cause = (error.get("ctx") or {}).get("error")
    if error["type"] in ("value_error", "assertion_error") and cause is not None:
        return str(cause)
    name = ".".join(str(part) for part in error["loc"]) or "the file"
    return f"{name}: {error['msg']}"  # a check without its own message: pydantic's words


def _unknown_keys(root: type[Table], loc: Loc, keys: list[str], raw: Any) -> str:
    table = _model_at(root, loc)
    known = sorted(table.model_fields)
    hints = []
    for key in keys:
        if loc and key in root.model_fields:
            # TOML puts every key after a [table] line into that table: a common slip.
            hints.append(f"{key!r} is a top-level key: move it above the first [table] line")
        elif near := difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6):
            hints.append(
                f"did you mean {near[0]!r}" + (f" for {key!r}" if len(keys) > 1 else "") + "?"
            )
    hint = f" ({'; '.join(hints)})" if hints else ""
    where = _where(root, loc, raw) or (f"{table.toml_name}: " if table.toml_name else "")
    return f"{where}unknown key(s) {sorted(keys)}{hint}; known keys: {known}"


def _where(root: type[Table], loc: Loc, raw: Any) -> str:
    """``sections[2] (shorts): `` for a mistake inside an entry of an array of tables."""
    last = max((i for i, part in enumerate(loc) if isinstance(part, int)), default=None)
    if last is None:
        return ""
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[: last + 1])
    entry: Any = raw
    for part in loc[: last + 1]:
        if isinstance(entry, dict) and isinstance(part, str):
            entry = entry.get(part)
        elif isinstance(entry, list) and isinstance(part, int) and part < len(entry):
            entry = entry[part]
        else:
            entry = None
    key = _model_at(root, loc[: last + 1]).label_key
    label = entry.get(key) if key and isinstance(entry, dict) else None
    own = loc[last + 1 :][:1] == (key,)  # the mistake is in the label itself: don't repeat it
    named = f" ({label})" if isinstance(label, str) and label and not own else ""
    return f"{path.lstrip('.')}{named}: "


def _model_at(root: type[Table], loc: Loc) -> type[Table]:
    """The table model that ``loc`` (``("sections", 2)``, ``("feed",)``) reaches."""
    model = root
    for part in loc:
        if isinstance(part, str):
            model = next(_tables(model.model_fields[part].annotation), model)
    return model


def _tables(annotation: Any) -> Iterator[type[Table]]:
    """The Table types in an annotation: ``FeedTable | None``, ``tuple[SectionTable, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, Table):
        yield annotation
    elif isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            yield from _tables(arg)
