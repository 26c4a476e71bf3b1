"""What a huge unsigned request costs ``haishin serve``, and whether the rest waits for it.

Run: ``uv run python bench/bench_refusals.py`` (five 10 MB unsigned form bodies to
``/slack/events``, one after another), or against another checkout for a baseline::

    uv run python bench/bench_refusals.py --checkout /path/to/other/haishin --bodies 3

While the bodies go in, a probe asks ``/healthz`` and posts a signed LINE webhook (LINE's
"Verify": no events) every 50 ms over its own connection. Reported: each body's answer and
how long it took, the probes' latency (median, p99, max: what LINE and a health check waited),
and the CPU the serve process spent on the whole run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
LINE_SECRET = "bench-line-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(checkout: Path, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    content = workdir / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(ROOT / "content" / "issues" / "2025-10-04.txt", content / "issues")
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout),
        "HAISHIN_DATABASE_URL": f"sqlite:///{workdir / 'haishin.db'}",
        "HAISHIN_CONTENT_DIR": str(content),
        "HAISHIN_ADMIN_TOKEN": "",
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",  # never called here
        "LINE_CHANNEL_SECRET": LINE_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "bench-line-token",
        "LINE_API_URL": f"http://127.0.0.1:{free_port()}",
    }
    code = "from bots.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port)],
        cwd=checkout,
        env=env,
        stdout=(workdir / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
    )


async def healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(900):
            if process.poll() is not None:
                raise SystemExit("haishin serve exited")
            try:
                if (await http.get(url + "/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("haishin serve not healthy")


async def probe(url: str, stop: asyncio.Event, waits: list[float]) -> None:
    body = b'{"destination": "U0", "events": []}'
    digest = hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()
    headers = {"x-line-signature": base64.b64encode(digest).decode()}
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        while not stop.is_set():
            started = time.perf_counter()
            health = await http.get("/healthz")
            line = await http.post("/line/webhook", content=body, headers=headers)
            assert (health.status_code, line.status_code) == (200, 200)
            waits.append((time.perf_counter() - started) * 1000 / 2)
            await asyncio.sleep(0.05)


async def run(args: argparse.Namespace) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        process = serve(args.checkout.resolve(), Path(tmp), port)
        try:
            await healthy(url, process)
            await asyncio.sleep(1)  # start-up work (the first ingest) out of the way
            # The cheapest form to send and the dearest to parse: millions of tiny fields.
            size = int(args.size * 1024 * 1024)
            body = (b"a=%C3%A9&" * (size // 9 + 1))[:size]
            headers = {
                "content-type": "application/x-www-form-urlencoded",
                "x-slack-request-timestamp": str(int(time.time())),
                "x-slack-signature": "v0=" + "0" * 64,
            }
            stop, waits = asyncio.Event(), []  # type: ignore[var-annotated]
            prober = asyncio.create_task(probe(url, stop, waits))
            cpu_before = cpu_seconds(process.pid)
            answers = []
            async with httpx.AsyncClient(base_url=url, timeout=120) as http:
                for _ in range(args.bodies):
                    started = time.perf_counter()
                    response = await http.post("/slack/events", content=body, headers=headers)
                    answers.append((response.status_code, time.perf_counter() - started))
            await asyncio.sleep(0.5)
            stop.set()
            await prober
            cpu = cpu_seconds(process.pid) - cpu_before
        finally:
            process.terminate()
            process.wait(60)
    size = len(body) / 1024 / 1024  # type: ignore[assignment]
    print(f"checkout {args.checkout}; load average before: {args.load}")
    for n, (status, seconds) in enumerate(answers, 1):
        print(f"body {n}: {size:.1f} MB unsigned form -> {status} in {seconds * 1000:.0f} ms")
    waits.sort()
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
    print(
        f"probes (/healthz + LINE webhook, ms each): n={len(waits)} "
        f"median {statistics.median(waits):.1f}, p99 {p99:.1f}, max {waits[-1]:.1f}"
    )
    print(f"serve CPU over the run: {cpu:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkout", type=Path, default=ROOT, help="haishin source to run")
    parser.add_argument("--bodies", type=int, default=5)
    parser.add_argument("--size", type=float, default=10, help="MB per body")
    args = parser.parse_args()
    args.load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
