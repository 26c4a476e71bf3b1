"""Work run in a forked child: its effects are real, its failures come back as they were."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.exc import DatabaseError

from core.storage.database import Database
from core.storage.forked import ChildFailed, run_forked


async def test_the_work_is_done_in_another_process(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    await run_forked(lambda: marker.write_text(str(os.getpid())))
    assert int(marker.read_text()) != os.getpid()


async def test_what_the_child_raised_is_raised_here() -> None:
    def refuse() -> None:
        raise ValueError("no such revision: 0099")

    with pytest.raises(ValueError, match="no such revision: 0099"):
        await run_forked(refuse)


async def test_a_child_that_dies_without_a_word_is_reported() -> None:
    with pytest.raises(ChildFailed, match="status 3"):
        await run_forked(lambda: os._exit(3))


async def test_an_upgrade_that_fails_in_the_child_fails_here_with_its_error(
    tmp_path: Path,
) -> None:
    """A file that is not a database: the child's DatabaseError reaches the caller as it
    was raised, and the file is left as it was."""
    path = tmp_path / "not-a-database.db"
    path.write_bytes(b"this is no SQLite file, just text " * 200)
    db = Database.from_url(f"sqlite:///{path}")
    try:
        with pytest.raises(DatabaseError, match="not a database"):
            await db.migrate(apart=True)
    finally:
        await db.dispose()
    assert path.read_bytes() == b"this is no SQLite file, just text " * 200
