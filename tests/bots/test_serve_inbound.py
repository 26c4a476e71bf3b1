"""``haishin serve`` with Slack and LINE on, fed a huge unsigned body over a raw socket: it is
refused before it has been sent, and LINE and ``/healthz`` answer all the while."""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.bots.serve_process import ServeProcess
from tests.conftest import CONTENT, SAMPLE
from tests.fakes.line_api import FakeLineApi
from tests.fakes.line_webhook import LineWebhookBuilder
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.waiting import until

SIGNING_SECRET = "serve-signing-secret"
LINE_SECRET = "serve-line-secret"
LINE_TOKEN = "serve-line-token"
USER = "U" + "2" * 32
ANSWER_SECONDS = 30.0  # a deadline for what must happen, never a wait for what must not
TEN_MB = 10 * 1024 * 1024


@dataclass
class Running:
    serve: ServeProcess
    line: FakeLineApi
    hooks: LineWebhookBuilder


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One ``haishin serve`` (and its fakes) for the module: each test opens its own
    connections and looks only at what changed while it ran."""
    workdir = tmp_path_factory.mktemp("serve-inbound")
    content = workdir / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    with FakeSlackAPI() as slack, FakeLineApi(token=LINE_TOKEN) as line:
        env = {
            "HAISHIN_DATABASE_URL": f"sqlite:///{workdir / 'haishin.db'}",
            "HAISHIN_CONTENT_DIR": str(content),
            "HAISHIN_ADMIN_TOKEN": "",
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_CLIENT_ID": "",
            "SLACK_CLIENT_SECRET": "",
            "SLACK_API_URL": slack.url,
            "LINE_CHANNEL_SECRET": LINE_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
            "LINE_API_URL": line.url,
        }
        serve = ServeProcess(env, workdir).start()
        try:
            asyncio.run(serve.healthy())
            yield Running(serve, line, LineWebhookBuilder(LINE_SECRET))
        finally:
            serve.stop_quietly()


def too_large(metrics: str) -> float:
    """How many Slack webhook requests ``/metrics`` counts as refused for their size."""
    name = 'haishin_webhook_requests_total{outcome="too_large",platform="slack"}'
    found = re.search(re.escape(name) + r" (\S+)", metrics)
    return float(found[1]) if found else 0.0


def head(port: int, *fields: str) -> bytes:
    lines = [
        "POST /slack/events HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/x-www-form-urlencoded",
        f"X-Slack-Request-Timestamp: {int(time.time())}",
        "X-Slack-Signature: v0=" + "0" * 64,
        *fields,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def status_line(reader: asyncio.StreamReader) -> str:
    line = await asyncio.wait_for(reader.readline(), ANSWER_SECONDS)
    return line.decode("latin-1").strip()


async def others_answer(running: Running) -> None:
    """/healthz and a signed LINE webhook get their answers (and the reader a reply)."""
    replied = len(running.line.replies())
    async with httpx.AsyncClient(base_url=running.serve.url, timeout=ANSWER_SECONDS) as http:
        assert (await http.get("/healthz")).status_code == 200
        webhook = running.hooks.request(running.hooks.text(USER, "最新トピック"))
        answer = await http.post("/line/webhook", content=webhook.body, headers=webhook.headers)
        assert (answer.status_code, answer.text) == (200, "OK")
    await until(lambda: len(running.line.replies()) > replied, ANSWER_SECONDS, "the LINE reply")


async def test_a_declared_10_mb_body_is_refused_before_it_is_sent(running: Running) -> None:
    port = running.serve.port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head(port, f"Content-Length: {TEN_MB}"))
        writer.write(b"text=" + b"a" * 65536)  # and then nothing more: the sender stalls
        await writer.drain()
        # Mid-upload, the rest of the service answers...
        await others_answer(running)
        # ...and the upload already has its answer, with 10 MB still unsent.
        assert (await status_line(reader)).startswith("HTTP/1.1 413")
    finally:
        writer.close()


async def test_a_chunked_body_is_refused_once_past_the_cap(running: Running) -> None:
    port = running.serve.port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head(port, "Transfer-Encoding: chunked"))
        chunk = b"a" * 65536
        for _ in range(17):  # 1.06 MB: past the 1 MB cap, far short of the 10 MB announced
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
        await others_answer(running)
        assert (await status_line(reader)).startswith("HTTP/1.1 413")
    finally:
        writer.close()


async def test_a_whole_10_mb_unsigned_form_is_refused_and_the_service_goes_on(
    running: Running,
) -> None:
    """The report's request, sent in full: 413, and the service answers right after."""
    async with httpx.AsyncClient(base_url=running.serve.url, timeout=ANSWER_SECONDS) as http:
        body = b"&".join(b"k%d=v" % n for n in range(TEN_MB // 8))
        before = too_large((await http.get("/metrics")).text)
        response = await http.post(
            "/slack/events",
            content=body,
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "x-slack-request-timestamp": str(int(time.time())),
                "x-slack-signature": "v0=" + "0" * 64,
            },
        )
        assert response.status_code == 413
        assert too_large((await http.get("/metrics")).text) == before + 1
    await others_answer(running)
    assert "Traceback" not in running.serve.log()
