"""What a command imports: only what it uses (issue 18).

``haishin --help`` and the command table load neither the web stack nor a platform's SDK,
``haishin serve`` with Slack and LINE off loads neither SDK, and with LINE on, answering a
signed webhook, it loads nothing of the LINE SDK (haishin has its own client and event
types): each run in a fresh interpreter, with ``sys.modules`` read at its end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bots.cli.common import DELIVERY_STATES
from core.delivery import STATES
from tests.bots.serve_process import ServeProcess
from tests.fakes.line_api import FakeLineApi
from tests.fakes.line_webhook import LineWebhookBuilder
from tests.fakes.waiting import until

ROOT = Path(__file__).resolve().parents[3]
SDKS = {"linebot", "slack_bolt", "slack_sdk"}
WEB = {"starlette", "jinja2", "uvicorn"}
# Beyond the five the issue names: what --help has no use for either.
# (markdown_it is not among them: Typer's help formatting loads rich.markdown.)
SERVICES = {"sqlalchemy", "apscheduler", "aiohttp", "httpx", "pydantic"}
# Loaded by no command (the settings are read without pydantic-settings), and by `serve` on
# SQLite neither PostgreSQL's driver (the scheduler's leadership takes it when it needs it)
# nor a WebSocket implementation (uvicorn's default, though nothing here speaks it).
NEVER = {"pydantic_settings", "dotenv"}
SQLITE_SERVE_NOT = {"psycopg", "websockets"}
# What `serve` keeps out of its resident memory (issue 18): Alembic and what it pulls in
# (the upgrade of a new database runs in a forked child), `cryptography` (only with
# HAISHIN_TOKEN_KEY), Rich and the other commands, the Markdown and HTML readers (until a
# Markdown file comes), PyYAML (until front matter comes) and the console's pages (until
# someone opens it).
SERVE_NOT = {
    "alembic",
    "mako",
    "pygments",
    "cryptography",
    "rich",
    "markdown_it",
    "selectolax",
    "yaml",
}
SERVE_NOT_MODULES = {"bots.console.routes", "bots.cli.content", "bots.cli.doctor"}
# What `ask` has no use for: delivery, and the tables of feeds, console sessions, Slack
# installs and LINE audiences (core.storage loads each repository's own tables).
ASK_NOT = {
    "core.delivery",
    "core.storage.feeds",
    "core.storage.sessions",
    "core.storage.slack_tables",
    "core.storage.line_tables",
    "bots.delivery_metrics",
}

# Runs `code`, then prints the top-level packages loaded, however the code exits.
PROBE = """
import atexit, json, os, sys
def _dump():
    with open(os.environ["MODULES_OUT"], "w") as out:
        json.dump(sorted(sys.modules), out)
atexit.register(_dump)
sys.argv = ["haishin", *json.loads(os.environ["PROBE_ARGV"])]
exec(os.environ["PROBE_CODE"])
"""


def loaded(tmp_path: Path, code: str, *argv: str) -> set[str]:
    """The top-level packages ``code`` loaded (see ``packages``)."""
    return packages(sorted(probe(tmp_path, code, *argv)))


def probe(tmp_path: Path, code: str, *argv: str) -> set[str]:
    """Every module ``code`` loaded, run with ``argv`` in a fresh interpreter."""
    out = tmp_path / "modules.json"
    env = {
        **os.environ,
        "MODULES_OUT": str(out),
        "PROBE_ARGV": json.dumps(argv),
        "PROBE_CODE": code,
    }
    with (tmp_path / "stdout").open("wb") as stdout:
        subprocess.run(
            [sys.executable, "-c", PROBE], cwd=tmp_path, env=env, stdout=stdout, timeout=120
        )
    return set(json.loads(out.read_text()))


def packages(modules: list[str]) -> set[str]:
    """The top-level packages of the modules loaded."""
    return {name.split(".")[0] for name in modules}


def newsletter(folder: Path) -> Path:
    content = folder / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "newsletter.toml", content)
    return content


def test_the_command_table_loads_no_sdk_no_web_stack_no_database(tmp_path: Path) -> None:
    modules = loaded(tmp_path, "import bots.cli")
    assert "typer" in modules
    assert not modules & (SDKS | WEB | SERVICES | {"markdown_it"})


def test_help_loads_no_sdk_no_web_stack_no_database(tmp_path: Path) -> None:
    modules = loaded(tmp_path, "from bots.cli import main; main()", "--help")
    assert "rich" in modules  # it did print the help
    assert not modules & (SDKS | WEB | SERVICES)
    modules = loaded(tmp_path, "from bots.cli import main; main()", "serve", "--help")
    assert not modules & (SDKS | WEB | SERVICES - {"pydantic"})  # Typer's own, for options


def test_ask_loads_no_web_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`haishin ask` answers from the database: no server, console, Bolt or LINE SDK."""
    content = newsletter(tmp_path)
    shutil.copy(ROOT / "content" / "issues" / "2025-10-04.txt", content / "issues")
    monkeypatch.setenv("HAISHIN_DATABASE_URL", f"sqlite:///{tmp_path / 'haishin.db'}")
    monkeypatch.setenv("HAISHIN_CONTENT_DIR", str(content))
    loaded(tmp_path, "from bots.cli import main; main()", "ingest")
    every = probe(tmp_path, "from bots.cli import main; main()", "ask", "latest", "--json")
    modules = packages(sorted(every))
    assert "sqlalchemy" in modules and "markdown_it" not in modules  # stored, not re-parsed
    assert not modules & (WEB | NEVER | SQLITE_SERVE_NOT | {"linebot", "slack_bolt"})
    assert not every & ASK_NOT
    answer = json.loads((tmp_path / "stdout").read_text(encoding="utf-8"))
    assert answer["intent"] == "digest" and "(2025-10-04)" in answer["message"]


def serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """``haishin serve`` on a new SQLite file, both platforms off unless ``extra`` says."""
    platforms = (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "LINE_CHANNEL_SECRET",
        "LINE_CHANNEL_ACCESS_TOKEN",
    )
    return {
        "HAISHIN_DATABASE_URL": f"sqlite:///{tmp_path / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(newsletter(tmp_path)),
        "MODULES_OUT": str(tmp_path / "modules.json"),
        **dict.fromkeys(platforms, ""),
        **extra,
    }


async def test_serve_with_platforms_off_loads_no_sdk(tmp_path: Path) -> None:
    out = tmp_path / "modules.json"
    env = serve_env(tmp_path)
    serve = ProbedServe(env, tmp_path)
    serve.start()
    try:
        await serve.healthy()
        async with httpx.AsyncClient() as client:
            body = (await client.get(f"{serve.url}/healthz")).json()
        assert body["platforms"] == {"slack": {"on": False}, "line": {"on": False}}
        assert await serve.terminate() == 0
    finally:
        serve.stop_quietly()
    every = set(json.loads(out.read_text()))
    modules = packages(sorted(every))
    assert {"starlette", "uvicorn", "sqlalchemy"} <= modules  # it did serve
    assert not modules & (SDKS | NEVER | SQLITE_SERVE_NOT | SERVE_NOT)
    assert not every & SERVE_NOT_MODULES
    assert body["database"] == "ok"  # the new database was migrated (by the child)
    # SQLAlchemy loads after logging is set up now: it still logs no statements.
    assert "sqlalchemy.engine" not in serve.log()


async def test_serve_with_line_on_answers_without_the_line_sdk(tmp_path: Path) -> None:
    """The webhook, the handlers and the reply go through haishin's own LINE client and
    event types: neither ``linebot.v3.messaging`` (~400 pydantic models) nor the webhook
    models are imported, nor anything else of the SDK."""
    secret, token = "imports-secret", "imports-token"
    with FakeLineApi(token=token) as line:
        env = serve_env(
            tmp_path,
            LINE_CHANNEL_SECRET=secret,
            LINE_CHANNEL_ACCESS_TOKEN=token,
            LINE_API_URL=line.url,
        )
        serve = ProbedServe(env, tmp_path)
        serve.start()
        try:
            await serve.healthy()
            hooks = LineWebhookBuilder(secret)
            webhook = hooks.request(hooks.text("U" + "1" * 32, "help"))
            async with httpx.AsyncClient() as client:
                body = (await client.get(f"{serve.url}/healthz")).json()
                answer = await client.post(
                    f"{serve.url}/line/webhook", content=webhook.body, headers=webhook.headers
                )
            assert body["platforms"]["line"]["on"] is True and answer.status_code == 200
            await until(lambda: len(line.replies()) == 1, 60, "the reply to help")
            assert await serve.terminate() == 0
        finally:
            serve.stop_quietly()
    modules = json.loads((tmp_path / "modules.json").read_text())
    assert "bots.line.client" in modules and "aiohttp" in packages(modules)  # it did answer
    assert not [name for name in modules if name.split(".")[0] == "linebot"]


def test_the_help_lists_the_ledger_states() -> None:
    assert DELIVERY_STATES == STATES


class ProbedServe(ServeProcess):
    """``haishin serve`` that writes its loaded packages at exit."""

    def start(self) -> ProbedServe:
        self.env["PROBE_ARGV"] = json.dumps(["serve", "--port", str(self.port)])
        self.env["PROBE_CODE"] = "from bots.cli import main; main()"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", PROBE],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self
