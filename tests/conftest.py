"""Shared fixtures: where things are, and the sample newsletter's profile."""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.profile import Profile, load_profile
from core.storage.database import Database
from tests.fakes.postgres import DROPS, scratch_database

# How the suite is spread over pytest-xdist's workers: tests/scheduling.py.
pytest_plugins = ["tests.scheduling"]

# Command output is wrapped to the terminal's width; tests read it at a fixed, wide one, the
# same in a pytest-xdist worker (no terminal at all) as in a developer's shell.
os.environ["COLUMNS"] = "200"

ROOT = Path(__file__).resolve().parent.parent

# Compiled code under .pytest_cache, even in a shell with PYTHONDONTWRITEBYTECODE (set to keep
# __pycache__ out of the tree): without it each xdist worker rewrote and compiled every test
# module again (about 2.5 s of CPU each), and each `haishin serve` or CLI subprocess compiled
# haishin again (0.1-0.2 s each, a few hundred of them). Set here, in the process that starts
# the workers, so they and every subprocess given os.environ inherit it.
if sys.dont_write_bytecode and not os.environ.get("PYTHONPYCACHEPREFIX"):
    sys.pycache_prefix = str(ROOT / ".pytest_cache" / "pycache")
    sys.dont_write_bytecode = False
    os.environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
CONTENT = ROOT / "content"
SAMPLE = CONTENT / "issues" / "2025-10-04.txt"
# The corpora live beside the checkout (../shared/corpora), in CI as on a developer machine.
CORPORA = ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def profile() -> Profile:
    """The sample newsletter's profile (content/newsletter.toml)."""
    return load_profile(CONTENT / "newsletter.toml")


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(f"corpora not found at {CORPORA}; check out the shared folder beside the repo")
    return CORPORA


# --- Databases: every storage test runs on SQLite and, when reachable, on PostgreSQL. ---
# HAISHIN_TEST_POSTGRES_URL names a server database the tests may create databases from.
POSTGRES_ADMIN_URL = os.environ.get(
    "HAISHIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@functools.cache
def postgres_unreachable() -> str | None:
    """Why the PostgreSQL tests can't run, or None when they can."""
    url = make_url(POSTGRES_ADMIN_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=1):
            pass
    except OSError as exc:
        return f"PostgreSQL not reachable at {url.host}:{url.port or 5432} ({exc})"
    return None


@contextlib.contextmanager
def scratch_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    reason = postgres_unreachable()
    if reason:
        message = f"{reason}; set HAISHIN_TEST_POSTGRES_URL to use another server"
        # CI must exercise PostgreSQL: there a missing server is a failure, not a skip.
        if os.environ.get("HAISHIN_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with scratch_database(POSTGRES_ADMIN_URL, later=True) as url:
        yield url


def pytest_sessionfinish() -> None:
    """Drop the scratch databases still waiting for it (``tests/fakes/postgres.py``)."""
    DROPS.drop_all()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty (not migrated) database: a SQLite file or a new PostgreSQL
    database, as a user writes it in HAISHIN_DATABASE_URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'haishin.db'}"
    else:
        with scratch_postgres_database() as url:
            yield url


@pytest.fixture(scope="module")
def migrated_postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test module's own, migrated once (CREATE DATABASE
    costs about a second; emptying the tables between tests costs milliseconds)."""
    from sqlalchemy import create_engine

    from core.storage.migrate import upgrade_to_head

    with scratch_postgres_database() as url:
        engine = create_engine(Database.from_url(url).sync_url)
        try:
            with engine.begin() as conn:
                upgrade_to_head(conn)
        finally:
            engine.dispose()
        yield url


# Truncating only the tables a test wrote to is several times faster than truncating all.
_EMPTY_POSTGRES_TABLES = """
DO $$
DECLARE
    name text;
    found boolean;
    written text[] := '{}';
BEGIN
    FOR name IN SELECT quote_ident(tablename) FROM pg_tables
                WHERE schemaname = current_schema() AND tablename <> 'alembic_version' LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', name) INTO found;
        IF found THEN
            written := written || name;
        END IF;
    END LOOP;
    IF cardinality(written) > 0 THEN
        EXECUTE 'TRUNCATE ' || array_to_string(written, ', ') || ' RESTART IDENTITY CASCADE';
    END IF;
END $$
"""


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database whose tables are empty at the start of each test.

    SQLite: a new file per test. PostgreSQL: the module's database with every table emptied
    (identities restarted), so tests never see each other's rows.
    """
    if request.param == "sqlite":
        db = Database.from_url(f"sqlite:///{tmp_path / 'haishin.db'}")
        await db.migrate()
    else:
        db = Database.from_url(request.getfixturevalue("migrated_postgres_url"))
        async with db.transaction() as session:
            await session.execute(text(_EMPTY_POSTGRES_TABLES))
    try:
        yield db
    finally:
        await db.dispose()
