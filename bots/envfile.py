"""Settings from the environment and a ``.env`` file, as pydantic-settings read them.

A variable is matched in any case; the process environment wins over the file; the file
holds ``NAME=value`` lines (``export`` before the name, ``#`` comments, values in single or
double quotes, ``\\n`` in double quotes) and is read as UTF-8. Values are strings: the
settings model converts and checks them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

ENV_FILE = Path(".env")
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$")
_QUOTED = re.compile(r"""^(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(?:#.*)?$""")


def environment(names: Iterable[str], env_file: Path | str | None = ENV_FILE) -> dict[str, str]:
    """The values of ``names`` (exactly as spelled there) that are set: in the environment
    (any case), else in ``env_file`` (any case; None or a missing file: none)."""
    wanted = {name.lower(): name for name in names}
    found: dict[str, str] = {}
    if env_file is not None:
        for key, value in read_env_file(Path(env_file)).items():
            if key.lower() in wanted:
                found[wanted[key.lower()]] = value
    for key, value in os.environ.items():
        if key.lower() in wanted:
            found[wanted[key.lower()]] = value
    return found


def read_env_file(path: Path) -> dict[str, str]:
    """The ``NAME=value`` pairs of a ``.env`` file, later lines winning; {} when it is
    missing. Lines that are not assignments are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        return {}
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        assignment = _ASSIGNMENT.match(line)
        if assignment is None:
            continue
        name, rest = assignment.groups()
        quoted = _QUOTED.match(rest)
        if quoted is None:  # bare: up to a comment, which follows a space
            value = re.split(r"\s#", rest, maxsplit=1)[0].strip()
        elif quoted[1] is not None:
            value = re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], quoted[1])
        else:
            value = quoted[2]
        pairs[name] = value
    return pairs
