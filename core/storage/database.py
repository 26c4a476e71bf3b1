"""The database: one async engine for SQLite or PostgreSQL, its sessions and its migrations.

SQLite is made fit for a service: WAL (readers never block the writer), a 30 s busy
timeout, foreign keys on, and write transactions that start with ``BEGIN IMMEDIATE`` so a
transaction that reads and then writes can't fail at once with "database is locked" when
another writer got in between (see the SQLAlchemy aiosqlite docs on transactional modes).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from core.errors import ConfigError
from core.storage.forked import CAN_FORK, run_forked
from core.storage.health import WriteHealth

BUSY_TIMEOUT_SECONDS = 30
# PostgreSQL: no database call may wait forever. A statement runs 60 s at most, waits 10 s
# at most for a lock, and a transaction left idle (its process paused or cut off while it
# holds row locks) is ended after 60 s. The network is watched both ways: the client's and
# the server's TCP keepalives probe an idle connection after 5 s, and unacknowledged data
# older than 10 s (a peer cut off, a link that hangs) ends the connection
# (``tcp_user_timeout``), so a partitioned host's session (and the scheduler's lock with it)
# is gone from the server within about 11 s, and a hung call fails instead of hanging.
# Any of them can be overridden in the URL (``?connect_timeout=3``, ``?options=-c ...``).
PG_SERVER_SETTINGS = {
    "statement_timeout": "60s",
    "lock_timeout": "10s",
    "idle_in_transaction_session_timeout": "60s",
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
    "tcp_user_timeout": "10000",
}
PG_CLIENT_SETTINGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10000,
}
# The pool: a checkout waits 30 s at most, and every connection is pinged before use, so
# one broken by a restart of the server is replaced instead of failing a call. (10 s was too
# short: at a fan-out's start, 200 workspaces' token lookups queue for the pool together, and
# under load some waited longer, failing sends that had not begun.)
POOL_TIMEOUT_SECONDS = 30
_READONLY = "haishin_readonly"
_SQLITE_DRIVERS = {"sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"}
_URL_HINT = (
    "e.g. sqlite:///haishin.db or postgresql://user@localhost/haishin (HAISHIN_DATABASE_URL)"
)


class Database:
    """haishin's database: engine, sessions, migrations.

    Build it with ``Database.from_url``; call ``await db.migrate()`` once at start and
    ``await db.dispose()`` at shutdown.
    """

    def __init__(self, url: URL, *, sync_url: URL, echo: bool = False) -> None:
        self.url = url
        self._sync_url = sync_url
        self.dialect: str = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
        self.health = WriteHealth()
        self._file_identity: tuple[int, int] | None = None
        pool: dict[str, Any] = {}
        if self.dialect == "sqlite":
            connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_SECONDS}
        else:
            connect_args = pg_connect_args(url)
            pool = {"pool_timeout": POOL_TIMEOUT_SECONDS, "pool_recycle": 1800}
        self._connect_args = connect_args
        # hide_parameters: a DEBUG log (or an error message) never shows the values a
        # statement carried, such as a token being stored.
        self.engine: AsyncEngine = create_async_engine(
            url,
            echo=echo,
            pool_pre_ping=True,
            connect_args=connect_args,
            hide_parameters=True,
            **pool,
        )
        if self.dialect == "sqlite":
            _make_sqlite_fit(self.engine.sync_engine)
        self._writer = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = self.engine.execution_options(**{_READONLY: True})
        self._reader = async_sessionmaker(self._read_engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False) -> Database:
        """A database for a URL as a person writes it.

        Accepts ``sqlite:///path.db`` and ``postgresql://...`` (also ``postgres://`` and any
        ``postgresql+driver://``) and uses the async drivers haishin ships with: aiosqlite
        and psycopg 3. A SQLite file's folder is created when missing.

        Raises:
            ConfigError: the URL is malformed, names another database, or is in-memory SQLite.
        """
        try:
            parsed = make_url(url.strip())
        except ArgumentError:
            raise ConfigError(f"database URL {url!r} is not a URL; {_URL_HINT}") from None
        shown = parsed.render_as_string(hide_password=True)
        if parsed.drivername in _SQLITE_DRIVERS:
            database = parsed.database or ""
            if database in ("", ":memory:") or "mode=memory" in str(parsed.query):
                raise ConfigError(
                    f"database URL {shown!r}: in-memory SQLite is not supported (every "
                    f"connection would see its own empty database); use a file, {_URL_HINT}"
                )
            if not database.startswith("file:"):
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            return cls(
                parsed.set(drivername="sqlite+aiosqlite"),
                sync_url=parsed.set(drivername="sqlite"),
                echo=echo,
            )
        if parsed.drivername == "postgres" or parsed.get_backend_name() == "postgresql":
            return cls(
                # create_async_engine picks psycopg's async variant for "+psycopg".
                parsed.set(drivername="postgresql+psycopg"),
                sync_url=parsed.set(drivername="postgresql+psycopg"),
                echo=echo,
            )
        raise ConfigError(
            f"database URL {shown!r}: {parsed.drivername!r} is not supported; "
            f"haishin runs on SQLite or PostgreSQL, {_URL_HINT}"
        )

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database's file (absolute), or None (PostgreSQL, a ``file:`` URI)."""
        database = self.url.database or ""
        if self.dialect != "sqlite" or not database or database.startswith("file:"):
            return None
        return Path(database).expanduser().absolute()

    def file_problem(self) -> str | None:
        """Why the SQLite file this process opened is no longer at its path (deleted, or
        replaced by another file), or None. What is written meanwhile goes to the old file,
        and is lost when the service stops."""
        path = self.sqlite_path
        if path is None:
            return None
        try:
            stat = path.stat()
        except FileNotFoundError:
            if self._file_identity is None:
                return None  # not created yet
            return (
                f"the database file {path} was deleted while haishin runs: what it writes "
                "now is lost when it stops; put the file back (from a backup), or restart "
                "haishin to begin an empty database"
            )
        identity = (stat.st_dev, stat.st_ino)
        if self._file_identity is None:
            self._file_identity = identity
        elif identity != self._file_identity:
            return (
                f"the database file {path} was replaced while haishin runs: this process "
                "still writes to the old one; restart haishin to use the new file"
            )
        return None

    @property
    def sync_url(self) -> str:
        """A synchronous URL of the same database (for APScheduler's SQLAlchemyJobStore)."""
        return self._sync_url.render_as_string(hide_password=False)

    def session(self, *, readonly: bool = False) -> AsyncSession:
        """A session; use it as ``async with db.session() as s`` and commit yourself.

        With ``readonly=True`` a SQLite transaction starts deferred, so it runs alongside a
        writer; don't write in such a session.
        """
        return (self._reader if readonly else self._writer)()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection for a few quick reads (no ORM session; on SQLite a deferred
        transaction that runs alongside a writer). Don't write through it."""
        async with self._read_engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the block ends, rolled back on error."""
        async with self._writer.begin() as session:
            yield session

    async def migrate(self, *, apart: bool = False) -> None:
        """Bring the schema to the newest migration; a no-op when it is there already.

        Safe when several processes start at once: on PostgreSQL they queue on an advisory
        lock, on SQLite on the write lock (``BEGIN IMMEDIATE``). A database already at the
        head is seen by one query, without loading Alembic or taking a lock.

        Args:
            apart: upgrade in a forked child process (``core.storage.forked``), so that
                this process never loads Alembic: what a long-lived service asks for.
        """
        from core.storage.migrate import head_revision

        head = head_revision()
        if head is not None and await self._revisions() == {head}:
            self.file_problem()
            return
        if apart and CAN_FORK:
            # No pooled connection, nor the thread aiosqlite keeps for one, crosses the fork.
            await self.engine.dispose()
            await run_forked(self._upgrade_alone)
        else:
            async with self.engine.begin() as conn:
                await conn.run_sync(_upgrade, self.dialect)
        self.file_problem()  # notes which file this process opened

    def _upgrade_alone(self) -> None:
        """The upgrade on a synchronous engine of its own (in the forked child)."""
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        engine = create_engine(
            self._sync_url,
            poolclass=NullPool,
            connect_args=self._connect_args,
            hide_parameters=True,
        )
        if self.dialect == "sqlite":
            _make_sqlite_fit(engine)
        try:
            with engine.begin() as conn:
                _upgrade(conn, self.dialect)
        finally:
            engine.dispose()

    async def _revisions(self) -> set[str] | None:
        """What ``alembic_version`` holds; None when there is no such table yet."""
        try:
            async with self.engine.connect() as conn:
                rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
                return {str(version) for (version,) in rows}
        except DBAPIError:
            return None

    async def schema_revision(self) -> str | None:
        """The migration the database is at, or None before the first ``migrate``."""
        from core.storage.migrate import current_revision

        async with self.engine.connect() as conn:
            return await conn.run_sync(current_revision)

    async def check(self) -> None:
        """Ask the database a trivial question, raising what reaching it raised."""
        async with self.session() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"


def missing_sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names when it does not exist yet, else None (it exists, or the
    URL is PostgreSQL's or malformed: ``Database.from_url`` says what is wrong with it)."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        return None
    database = parsed.database or ""
    if parsed.drivername not in _SQLITE_DRIVERS or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        return None
    path = Path(database).expanduser()
    return None if path.exists() else path


def pg_connect_args(url: URL) -> dict[str, Any]:
    """psycopg's connection arguments for ``url``: the timeouts and keepalives above, less
    whatever the URL sets itself."""
    query = {key.lower() for key in url.query}
    args: dict[str, Any] = {k: v for k, v in PG_CLIENT_SETTINGS.items() if k not in query}
    given = str(url.query.get("options", ""))
    server = [f"-c {k}={v}" for k, v in PG_SERVER_SETTINGS.items() if f"{k}=" not in given]
    args["options"] = " ".join([*server, given]).strip()
    return args


# Advisory lock keys (per database): arbitrary constants, fixed forever.
MIGRATE_LOCK = 0x6861_6973_6869_0001  # "haishi" + 1
ISSUES_LOCK = 0x6861_6973_6869_0002


def _upgrade(conn: Connection, dialect: str) -> None:
    """Every migration not applied yet, in the caller's transaction, behind the lock."""
    from core.storage.migrate import upgrade_to_head

    if dialect == "postgresql":
        # A migration may take long on a big database, and others queue behind it.
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text("SET LOCAL lock_timeout = 0"))
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK})
    upgrade_to_head(conn)


def _make_sqlite_fit(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Stop pysqlite from issuing its own BEGIN; _on_begin below emits ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}",
            "PRAGMA foreign_keys=ON",
            "PRAGMA synchronous=NORMAL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        readonly = conn.get_execution_options().get(_READONLY, False)
        conn.exec_driver_sql("BEGIN DEFERRED" if readonly else "BEGIN IMMEDIATE")
