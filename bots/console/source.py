"""An issue's source text, when its file is still at hand (to show the lines notes refer to)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.errors import ContentError

MAX_SOURCE_BYTES = 5_000_000


async def read_source(content_dir: Path, source_key: str) -> str | None:
    """The text of the file an issue was stored from, or None (a feed entry, a moved file).

    Args:
        content_dir: the content folder source keys are relative to.
        source_key: the stored issue's key (a path relative to the folder, or absolute).
    """
    path = Path(source_key)
    if not path.is_absolute():
        path = content_dir / path
    return await asyncio.to_thread(_read, path)


def _read(path: Path) -> str | None:
    from core.parsing.decode import decode_source

    try:
        if not path.is_file() or path.stat().st_size > MAX_SOURCE_BYTES:
            return None
        return decode_source(path.read_bytes(), name=str(path))
    except (OSError, ContentError):
        return None
