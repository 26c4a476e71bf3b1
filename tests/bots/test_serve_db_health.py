"""A running ``haishin serve`` whose database refuses writes (a trigger that raises on
SQLite, a read-only PostgreSQL), or whose SQLite file is deleted: ``/healthz`` says so with
503, the writers back off and log one line per change instead of a traceback every 0.1 s, and
all is well again once the database is."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from tests.bots.serve_process import ServeProcess
from tests.bots.slack.conftest import long_issue
from tests.conftest import CONTENT, SAMPLE

REFUSING_TABLES = ("conversation_state", "delivery_workers", "processed_events")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def workdir_for(tmp_path: Path) -> Path:
    """The sample issue, and before it one whose topic takes several pages to read."""
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    long = long_issue(SAMPLE.read_text(encoding="utf-8"))
    (content / "issues" / "2025-09-27.txt").write_text(long, encoding="utf-8")
    return tmp_path


def env_for(workdir: Path, url: str) -> dict[str, str]:
    return {
        "HAISHIN_DATABASE_URL": url,
        "HAISHIN_CONTENT_DIR": str(workdir / "content"),
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "SLACK_CLIENT_ID": "",
        "SLACK_CLIENT_SECRET": "",
        "LINE_CHANNEL_SECRET": "",
        "LINE_CHANNEL_ACCESS_TOKEN": "",
    }


async def health(serve: ServeProcess) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(base_url=serve.url, timeout=10) as http:
        response = await http.get("/healthz")
    return response.status_code, response.json()


async def until(
    serve: ServeProcess, wanted: Callable[[int, dict[str, Any]], bool], within: float = 90
) -> dict[str, Any]:
    """Ask /healthz until its answer is what is wanted; that answer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        status, body = await health(serve)
        if wanted(status, body):
            return body
        if loop.time() > deadline:
            raise AssertionError(f"/healthz never got there: {status} {body}\n{serve.log()}")
        await asyncio.sleep(0.2)


async def ask_in_the_console(serve: ServeProcess, text: str) -> None:
    """A person asks in the console's chat box: the answer leaves a "next page" cursor,
    written a moment later (the write-behind that used to retry every 0.1 s)."""
    async with httpx.AsyncClient(base_url=serve.url, timeout=10) as browser:
        page = await browser.get("/try", headers={"accept": "text/html"})
        match = _CSRF.search(page.text)
        assert match, page.text
        answer = await browser.post("/try", data={"csrf": match[1], "text": text})
        assert answer.status_code == 200 and "CoreWeave" in answer.text


def failing_writer(name: str, state: str, attempts: int) -> Callable[[int, dict[str, Any]], bool]:
    def wanted(status: int, body: dict[str, Any]) -> bool:
        writer = body.get("database_writers", {}).get(name, {})
        return status == 503 and body["database"] == state and writer.get("failures", 0) >= attempts

    return wanted


def healthy(status: int, body: dict[str, Any]) -> bool:
    return status == 200 and body["database"] == "ok"


async def refuse_writes(url: str, refuse: bool) -> None:
    """Make the database refuse (or take again) every write haishin's loops make."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        assert path is not None
        conn = sqlite3.connect(path, timeout=30)
        try:
            for table in REFUSING_TABLES:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    name = f"refuse_{table}_{event.lower()}"
                    conn.execute(
                        f"CREATE TRIGGER {name} BEFORE {event} ON {table} BEGIN "
                        "SELECT RAISE(ABORT, 'database or disk is full'); END"
                        if refuse
                        else f"DROP TRIGGER {name}"
                    )
            conn.commit()
        finally:
            conn.close()
        return
    # PostgreSQL: new sessions are read-only (as on a standby after a failover); haishin's
    # sessions are ended so that its pool reconnects into that.
    admin = make_url(url).set(drivername="postgresql", database="postgres")
    name = make_url(url).database  # type: ignore[assignment]
    async with await psycopg.AsyncConnection.connect(  # type: ignore[assignment]
        admin.render_as_string(hide_password=False), autocommit=True
    ) as conn:
        await conn.execute(  # type: ignore[misc]
            f'ALTER DATABASE "{name}" SET default_transaction_read_only = '
            + ("on" if refuse else "off")
        )
        await conn.execute(  # type: ignore[misc]
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )


async def test_writes_refused_show_in_healthz_back_off_and_log_once(
    tmp_path: Path, database_url: str
) -> None:
    workdir = workdir_for(tmp_path)
    serve = ServeProcess(env_for(workdir, database_url), workdir).start()
    state = "failing" if database_url.startswith("sqlite") else "read-only"
    try:
        await serve.healthy()
        await refuse_writes(database_url, True)
        await ask_in_the_console(serve, "第1号 トピック")  # page 1 of several

        # The cursor write keeps failing: retried, with pauses growing from 0.5 s (0.5, 1;
        # each more failure to wait for would double the wait, and the retry after it).
        body = await until(serve, failing_writer("conversation cursors", state, 3))
        assert body["status"] == "degraded" and body["database_problem"]
        log = serve.log()
        writers = re.findall(r"database writes failing \(([^)]+)\)", log)
        assert "conversation cursors" in writers
        assert len(writers) == len(set(writers)), "a writer logged its failure twice"
        assert "Traceback" not in log  # one line per writer; the traceback only at DEBUG

        await refuse_writes(database_url, False)
        await until(serve, healthy)
        await serve.wait_log("database writes work again (conversation cursors)")
    finally:
        serve.stop_quietly()


async def test_a_deleted_sqlite_file_is_noticed_once(tmp_path: Path) -> None:
    workdir = workdir_for(tmp_path)
    db = workdir / "haishin.db"
    serve = ServeProcess(env_for(workdir, f"sqlite:///{db}"), workdir).start()
    try:
        await serve.healthy()
        for path in workdir.glob("haishin.db*"):
            if path.name in ("haishin.db", "haishin.db-wal", "haishin.db-shm"):
                path.unlink()
        body = await until(serve, lambda status, body: status == 503)
        assert body["database"] == "missing"
        assert f"the database file {db} was deleted" in body["database_problem"]
        await serve.wait_log(f"the database file {db} was deleted")
        # Asked again (and the file checked every few seconds): still one line in the log.
        await until(serve, lambda status, body: status == 503)
        assert serve.log().count(f"the database file {db} was deleted") == 1
    finally:
        serve.stop_quietly()
