"""On-demand answers under load: ``haishin serve`` against a bare bot, on SQLite and PostgreSQL.

Run: ``uv run python bench/bench_answers.py`` (defaults: 20 s at 100, 300 and 1,000
requests/s, then 20 s at the most each bot answers; SQLite and PostgreSQL; one process)::

    uv run python bench/bench_answers.py --duration 30 --rates 100,300,1000 \\
        --database sqlite,postgres --workers 1 --soak 600 --soak-rate 100 --out result.json

The cost of counting reading stats: ``--rounds N --against stats-off`` runs haishin with its
profile's ``stats_days = 0`` (nothing counted) and haishin as shipped in turn, N max runs
each, and reports the second's answers/s as a share of the first's::

    uv run python bench/bench_answers.py --targets '' --database sqlite --rounds 5 \\
        --against stats-off

What runs, each in a process of its own (the machine's cores are shared by all of them):

- the fake LINE and Slack APIs (``bench/answer_fakes.py``) answering the reply calls and
  reporting each one's arrival;
- the bot under test, a real subprocess: ``haishin serve`` (with ``--workers N``) over the
  sample issue, or the bare bot (``bench/bare_bot.py``) that only verifies and echoes;
- this driver, the load generator (``bench/loadgen.py``): signed LINE webhooks
  (``最新トピック``, ``編集後記``, the postback of the "next part" button) and signed Slack
  slash commands (``/haishin latest topic``) in equal shares.

Reported per run: answers per second, latency from the request to its reply call arriving
at the fake API (p50/p95/p99, ms), errors (non-200, or no answer within 10 s), the serve
processes' peak RSS, the CPU each process used (so a saturated load generator shows), and the
load average before the run. A PostgreSQL run uses a scratch database made on the server of
``HAISHIN_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``),
dropped afterwards. ``--soak S`` adds a steady run of S seconds and reports RSS over time.
``--tracemalloc DIR`` traces haishin's memory and reports what it holds by package once up
and once idle after the soak (``bench/memory_snapshots.py``; a run for memory only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from loadgen import LoadGenerator, Result, Signer, mix  # noqa: E402
from memory_snapshots import TRACED_SERVE, report, take  # noqa: E402

SAMPLE = ROOT / "content" / "issues" / "2025-10-04.txt"
PROFILE = ROOT / "content" / "newsletter.toml"
LINE_SECRET = "bench-line-secret"
LINE_TOKEN = "bench-line-token"
SLACK_SECRET = "bench-slack-secret"
SLACK_TOKEN = "xoxb-bench-token"
POSTGRES_ADMIN = os.environ.get(
    "HAISHIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TICK = os.sysconf("SC_CLK_TCK")
# ``--loop-debug MS``: the bot runs with asyncio's debug mode, which logs every callback that
# held the event loop longer than MS (a synchronous call hiding in async code shows there).
SERVE = "from bots.cli import main; main()"
DEBUG_SERVE = """
import asyncio, os
_run = asyncio.run
def _debug_run(main, **kw):
    async def debugged():
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = float(os.environ["BENCH_SLOW_MS"]) / 1000
        return await main
    return _run(debugged(), **kw)
asyncio.run = _debug_run
from bots.cli import main; main()
"""
# Set even to "", these would switch Bolt to its own OAuth mode with a file store.
UNSET = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "HAISHIN_DATABASE_URL")


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def family(pid: int) -> list[int]:
    """A process and all its descendants."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in task.read_text().split():
                found += family(int(child))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


@dataclass
class Bot:
    """A bot under test, as a subprocess."""

    name: str
    argv: list[str]
    env: dict[str, str]
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name.replace(' ', '-')}.log"

    def pids(self) -> list[int]:
        return family(self.process.pid) if self.process else []

    def database_pids(self) -> list[int]:
        """PostgreSQL's server processes for this bot's database: their CPU is the bot's
        cost too (on SQLite the database works inside the bot's own process)."""
        url = self.env.get("HAISHIN_DATABASE_URL", "")
        if not url.startswith("postgresql"):
            return []
        import psycopg
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (parsed.database,),
            ).fetchall()
        return [int(pid) for (pid,) in rows]

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: ASYNC220  (the driver waits for it)
                [*self.argv, "--port", str(self.port)],
                cwd=self.workdir,
                env={**{k: v for k, v in os.environ.items() if k not in UNSET}, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        import aiohttp

        deadline = time.monotonic() + 180
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise SystemExit(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with http.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.25)
        raise SystemExit(f"{self.name} not healthy in 180 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def fake_apis(socket_path: str) -> Iterator[tuple[subprocess.Popen[bytes], str, str]]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "answer_fakes.py"), "--notify", socket_path],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        urls = dict(process.stdout.readline().decode().split() for _ in range(2))
        yield process, urls["line"], urls["slack"]
    finally:
        process.terminate()
        process.wait(30)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    from tests.fakes.postgres import scratch_database

    with scratch_database(POSTGRES_ADMIN, "haishin_bench") as url:
        yield url


# ---------------------------------------------------------------- measuring


@dataclass
class Watch:
    """CPU and memory of the processes while a run goes on."""

    bot: Bot
    fakes: subprocess.Popen[bytes]
    peak_rss: float = 0.0
    samples: list[tuple[float, float]] = field(default_factory=list)

    @contextlib.asynccontextmanager
    async def over(self, every: float = 0.25) -> AsyncIterator[dict[str, float]]:
        figures: dict[str, float] = {"load": os.getloadavg()[0]}
        pids, fakes = self.bot.pids(), [self.fakes.pid]
        database = self.bot.database_pids()
        before = (cpu_seconds(pids), cpu_seconds(fakes), time.process_time(), time.monotonic())
        database_before = cpu_seconds(database)
        self.peak_rss = 0.0
        start = time.monotonic()

        async def sample() -> None:
            while True:
                rss = rss_mb(self.bot.pids())
                self.peak_rss = max(self.peak_rss, rss)
                self.samples.append((time.monotonic() - start, rss))
                await asyncio.sleep(every)

        task = asyncio.create_task(sample())
        try:
            yield figures
        finally:
            task.cancel()
            wall = time.monotonic() - before[3]
            figures["wall"] = wall
            figures["cpu_bot"] = (cpu_seconds(self.bot.pids()) - before[0]) / wall * 100
            # Server processes that came and went during the run are missed: a lower bound.
            figures["cpu_database"] = (cpu_seconds(database) - database_before) / wall * 100
            figures["cpu_fakes"] = (cpu_seconds(fakes) - before[1]) / wall * 100
            figures["cpu_loadgen"] = (time.process_time() - before[2]) / wall * 100
            figures["peak_rss_mb"] = self.peak_rss


def row(target: str, label: str, result: Result, figures: dict[str, float]) -> dict[str, Any]:
    summary = {"target": target, "run": label, **result.summary(), **figures}
    answered = summary["answered"] or 1
    # CPU the bot spent per answer: what its maximum rate comes down to on a busy machine.
    cpu = figures["cpu_bot"] + figures.get("cpu_database", 0.0)
    summary["cpu_ms_per_answer"] = cpu / 100 * figures["wall"] * 1000 / answered
    return summary


def errors(r: dict[str, Any]) -> str:
    text = str(r["errors"])
    if r.get("late_sends"):
        text += f", {r['late_sends']} sent late"
    if "dropped" in r:
        text += f" ({r['dropped']:.0f} dropped by haishin)"
    return text


def database_cpu(r: dict[str, Any]) -> str:
    return f" + {r['cpu_database']:.0f} db" if r.get("cpu_database") else ""


def show(rows: list[dict[str, Any]]) -> str:
    def ms(value: Any) -> str:
        return "-" if value is None else f"{value:.1f}"

    lines = [
        "| bot | load | answers/s | p50 ms | p95 ms | p99 ms | errors | HTTP ack p99 ms "
        "| peak RSS MB | CPU % bot (+ PostgreSQL) / fakes / loadgen | load avg |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['target']} | {r['run']} | {r['rps']:.0f} | {ms(r['p50'])} | {ms(r['p95'])} "
            f"| {ms(r['p99'])} | {errors(r)} | {ms(r['ack_p99'])} | {r['peak_rss_mb']:.0f} "
            f"| {r['cpu_bot']:.0f}{database_cpu(r)} / {r['cpu_fakes']:.0f} "
            f"/ {r['cpu_loadgen']:.0f} "
            f"| {r['load']:.2f} |"
        )
    return "\n".join(lines)


async def dropped_total(bot: Bot) -> float:
    """``haishin_dropped_total`` summed over platforms (0 for a bot without /metrics).

    With ``--workers`` this reads whichever process answers; bursts are run on one process.
    """
    import aiohttp

    total = 0.0
    async with aiohttp.ClientSession() as http, http.get(bot.url + "/metrics") as response:
        if response.status != 200:
            return 0.0
        for line in (await response.text()).splitlines():
            if line.startswith("haishin_dropped_total{"):
                total += float(line.rsplit(" ", 1)[1])
    return total


def slow_callbacks(bot: Bot) -> None:
    """What asyncio's debug mode said about callbacks that held the loop (``--loop-debug``)."""
    slow = [line for line in bot.log.read_text().splitlines() if " took " in line]
    print(f"{bot.name}: {len(slow)} callbacks held the loop longer than the limit")
    for line in slow[:20]:
        name = line.split("name='", 1)[-1].split("'", 1)[0] if "name='" in line else "?"
        where = line.split(" running at ", 1)[-1].split(">", 1)[0] if "running at" in line else ""
        print(f"    {line[:23]} {name} ({where}) {line.rsplit(' took ', 1)[-1]}")


def profile(bot: Bot, args: argparse.Namespace) -> subprocess.Popen[bytes] | None:
    """py-spy over the bot during the max run (``--profile DIR``), as collapsed stacks."""
    if not args.profile or bot.process is None:
        return None
    Path(args.profile).mkdir(parents=True, exist_ok=True)
    out = Path(args.profile) / f"{bot.name.replace(' ', '-')}.txt"
    pids = bot.pids()
    pid = pids[-1] if len(pids) > 1 and "bare" not in bot.name else bot.process.pid
    return subprocess.Popen(
        [
            *("py-spy", "record", "-p", str(pid), "-d", str(int(args.duration)), "-f", "raw"),
            *("-o", str(out), "-r", "200", "--nonblocking"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def measure(
    bot: Bot, fakes: subprocess.Popen[bytes], gen: LoadGenerator, args: argparse.Namespace
) -> list[dict[str, Any]]:
    rows = []
    watch = Watch(bot, fakes)
    await gen.fixed(50, args.warmup)  # connections, caches, the SDKs' first calls
    for rate in args.rates:
        async with watch.over() as figures:
            result = await gen.fixed(rate, args.duration)
        rows.append(row(bot.name, f"{rate:g}/s", result, figures))
        print(show(rows[-1:]).splitlines()[-1], flush=True)
    if args.burst:
        dropped = await dropped_total(bot)
        async with watch.over() as figures:
            result = await gen.fixed(args.burst, args.burst_seconds)
        figures["dropped"] = await dropped_total(bot) - dropped
        figures["alive"] = float(bot.process is not None and bot.process.poll() is None)
        rows.append(
            row(bot.name, f"burst {args.burst:g}/s × {args.burst_seconds:g} s", result, figures)
        )
        print(show(rows[-1:]).splitlines()[-1], flush=True)
    if args.max:
        profiler = profile(bot, args)
        async with watch.over() as figures:
            result = await gen.saturate(args.concurrency, args.duration)
        if profiler is not None:
            profiler.wait()
        rows.append(row(bot.name, f"max ({args.concurrency} open)", result, figures))
        print(show(rows[-1:]).splitlines()[-1], flush=True)
    return rows


async def alternate(
    pair: list[Bot], fakes: subprocess.Popen[bytes], gen: LoadGenerator, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Max runs of the pair's bots (the bare bot, or haishin counting no stats; then
    haishin) in turn, ``--rounds`` times: both see the same machine, however busy other
    work makes it, within a minute of each other."""
    rows = []
    for bot in pair:
        gen.base_url = bot.url
        await gen.fixed(50, args.warmup)
    for index in range(1, args.rounds + 1):
        for bot in pair:
            gen.base_url = bot.url
            async with Watch(bot, fakes).over() as figures:
                result = await gen.saturate(args.concurrency, args.duration)
            rows.append(row(bot.name, f"max, round {index}", result, figures))
            rows[-1]["pair"] = pair[-1].name
            print(show(rows[-1:]).splitlines()[-1], flush=True)
    return rows


def compare(rounds: list[dict[str, Any]]) -> str:
    """Per pair of bots that ran in turn: median answers/s, each one's share of the first
    bot's (the bare bot, or haishin counting no stats), and CPU per answer."""
    pairs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in rounds:
        pairs.setdefault(r["pair"], {}).setdefault(r["target"], []).append(r)
    lines = [
        "| pair | bot | median answers/s | × first bot | CPU ms per answer (median) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for pair, by_bot in pairs.items():
        first = next(iter(by_bot.values()))
        bare = statistics.median(r["rps"] for r in first)
        for name, runs in by_bot.items():
            rps = statistics.median(r["rps"] for r in runs)
            cost = statistics.median(r["cpu_ms_per_answer"] for r in runs)
            share = f"{rps / bare:.2f}" if bare else "-"
            lines.append(f"| {pair} | {name} | {rps:.0f} | {share} | {cost:.2f} |")
    return "\n".join(lines)


async def content_scanned(bot: Bot) -> None:
    """Wait until the bot's first content scan is over (``/healthz`` content ok)."""
    import aiohttp

    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            async with http.get(bot.url + "/healthz") as response:
                if (await response.json()).get("content") == "ok":
                    return
            await asyncio.sleep(0.25)
    raise SystemExit(f"{bot.name}: content not scanned in 150 s")


async def idle(bot: Bot, *, below: float = 0.05, longest: float = 300.0) -> None:
    """Wait until the bot uses less than ``below`` of a core over a second."""
    deadline = time.monotonic() + longest
    used = cpu_seconds(bot.pids())
    while time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        now = cpu_seconds(bot.pids())
        if now - used < below:
            return
        used = now


CACHED = 10_000  # DatabaseConversations(remember=...) and EventDeduplicator(memory=...)


async def soak(
    bot: Bot, fakes: subprocess.Popen[bytes], gen: LoadGenerator, args: argparse.Namespace
) -> dict[str, Any]:
    watch = Watch(bot, fakes)
    await gen.fixed(50, args.warmup)
    async with watch.over(every=5.0) as figures:
        result = await gen.fixed(args.soak_rate, args.soak)
    samples = watch.samples
    settled = [rss for at, rss in samples if at >= 60.0] or [rss for _, rss in samples]
    growth = (settled[-1] - settled[0]) / settled[0] * 100 if settled else 0.0
    # The bounded caches (readers' cursors, handled event ids: 10,000 each) fill while the
    # load goes through its first 10,000 readers; from then on any growth would be a leak.
    full_at = CACHED / args.soak_rate * 1.5
    full = [rss for at, rss in samples if at >= full_at]
    summary = row(bot.name, f"soak {args.soak:g} s at {args.soak_rate:g}/s", result, figures)
    summary["rss_after_60s_mb"] = settled[0] if settled else None
    summary["rss_end_mb"] = settled[-1] if settled else None
    summary["rss_growth_pct"] = growth
    summary["caches_full_at_s"] = full_at
    summary["rss_when_caches_full_mb"] = full[0] if full else None
    summary["rss_growth_since_full_pct"] = (
        (full[-1] - full[0]) / full[0] * 100 if len(full) > 1 else None
    )
    summary["rss_series"] = [(round(at), round(rss, 1)) for at, rss in samples]
    return summary


# ---------------------------------------------------------------- the run


def prepare(workdir: Path, name: str = "content", *, stats: bool = True) -> Path:
    content = workdir / name
    (content / "issues").mkdir(parents=True)
    profile = PROFILE.read_text(encoding="utf-8")
    if not stats:
        profile = "stats_days = 0  # reading stats off\n" + profile
    (content / "newsletter.toml").write_text(profile, encoding="utf-8")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    return content


def next_part_data(env: dict[str, str], workdir: Path) -> str:
    """The postback data of the "next part" button of 最新トピック, as haishin draws it."""
    out = subprocess.run(
        [
            *(sys.executable, "-c", "from bots.cli import main; main()", "ask", "最新トピック"),
            *("--platform", "line", "--json"),
        ],
        cwd=workdir,
        env={**os.environ, **env},
        capture_output=True,
        check=True,
    )
    more = json.loads(out.stdout)["more"]
    # On LINE the sample's topic fits one answer (2 posts): "next part" then reads part 2.
    return f"cmd:ja:{more['command'] if more else 'issue 1 topic p2'}"


async def main_async(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="haishin-bench-"))
    socket_path = str(workdir / "arrivals.sock")
    content = prepare(workdir)
    content_without_stats = prepare(workdir, "content-stats-off", stats=False)
    rows: list[dict[str, Any]] = []
    rounds: list[dict[str, Any]] = []
    soaked: dict[str, Any] | None = None
    with fake_apis(socket_path) as (fakes, line_url, slack_url):
        platform_env = {
            "LINE_CHANNEL_SECRET": LINE_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
            "LINE_API_URL": line_url,
            "SLACK_SIGNING_SECRET": SLACK_SECRET,
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_API_URL": slack_url + "/api/",
            "HAISHIN_CONTENT_DIR": str(content),
            "HAISHIN_LOG_LEVEL": "WARNING",
        }
        signer = Signer(LINE_SECRET, SLACK_SECRET, slack_url)

        def bot_for(target: str, database: str, stack: contextlib.ExitStack) -> Bot:
            env = dict(platform_env)
            if database == "postgres":
                env["HAISHIN_DATABASE_URL"] = stack.enter_context(postgres_database())
            else:
                env["HAISHIN_DATABASE_URL"] = f"sqlite:///{workdir / f'{uuid.uuid4().hex}.db'}"
            if target == "stats-off":
                env["HAISHIN_CONTENT_DIR"] = str(content_without_stats)
            elif target != "haishin":
                return Bot(
                    "bare bot", [sys.executable, str(ROOT / "bench" / "bare_bot.py")], env, workdir
                )
            code = DEBUG_SERVE if args.loop_debug else TRACED_SERVE if args.tracemalloc else SERVE
            argv = [sys.executable, "-c", code, "serve"]
            if args.tracemalloc:
                env["BENCH_TRACE_DIR"] = str(Path(args.tracemalloc).resolve())
            if args.loop_debug:
                env["BENCH_SLOW_MS"] = str(args.loop_debug)
                env["HAISHIN_LOG_LEVEL"] = "INFO"
            if args.workers > 1:
                argv += ["--workers", str(args.workers)]
            name = f"haishin {database}" + (f" ×{args.workers}" if args.workers > 1 else "")
            if target == "stats-off":
                name += ", stats off"
            return Bot(name, argv, env, workdir)

        next_part = "cmd:ja:issue 1 topic p2"
        async with LoadGenerator(
            "", signer, mix(next_part), socket_path, connections=args.connections
        ) as gen:
            for target in args.targets:
                for database in args.database if target == "haishin" else ["-"]:
                    with contextlib.ExitStack() as stack:
                        bot = bot_for(target, database, stack)
                        await bot.start()
                        try:
                            traced = args.tracemalloc and target == "haishin"
                            if traced:
                                await content_scanned(bot)
                                started = take(bot.process.pid, Path(args.tracemalloc))
                            if target == "haishin":
                                gen.kinds = mix(next_part_data(bot.env, workdir))
                            gen.base_url = bot.url
                            rows += await measure(bot, fakes, gen, args)
                            if args.soak and target == "haishin" and soaked is None:
                                soaked = await soak(bot, fakes, gen, args)
                            if traced:
                                await idle(bot)  # what is resident, not a backlog under way
                                ended = take(bot.process.pid, Path(args.tracemalloc))
                                print(report(started, ended))
                        finally:
                            bot.stop()
                            if args.loop_debug:
                                slow_callbacks(bot)
            if args.rounds:
                for database in args.database:
                    with contextlib.ExitStack() as stack:
                        first = bot_for(
                            args.against, "-" if args.against == "bare" else database, stack
                        )
                        pair = [first, bot_for("haishin", database, stack)]
                        try:
                            for bot in pair:
                                await bot.start()
                            rounds += await alternate(pair, fakes, gen, args)
                        finally:
                            for bot in pair:
                                bot.stop()
    print()
    print(show(rows))
    if rounds:
        print()
        print(show(rounds))
        print()
        print(compare(rounds))
    if soaked is not None:
        print()
        print(show([soaked]))
        print(
            f"soak RSS: {soaked['rss_after_60s_mb']:.0f} MB after 60 s, "
            f"{soaked['rss_end_mb']:.0f} MB at the end ({soaked['rss_growth_pct']:+.1f} %)"
        )
        if soaked["rss_growth_since_full_pct"] is not None:
            print(
                f"soak RSS once the bounded caches were full ({soaked['caches_full_at_s']:.0f} s):"
                f" {soaked['rss_when_caches_full_mb']:.0f} MB, then "
                f"{soaked['rss_growth_since_full_pct']:+.1f} % to the end"
            )
    if args.out:
        Path(args.out).write_text(  # noqa: ASYNC240  (the run is over)
            json.dumps({"runs": rows, "rounds": rounds, "soak": soaked}, indent=1)
        )
    shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per bot")
    parser.add_argument(
        "--rates", default="100,300,1000", help="fixed rates, requests/s (comma-separated)"
    )
    parser.add_argument("--no-max", dest="max", action="store_false", help="skip the max run")
    parser.add_argument("--concurrency", type=int, default=64, help="answers open in the max run")
    parser.add_argument("--connections", type=int, default=128, help="HTTP connections to the bot")
    parser.add_argument("--database", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--targets", default="bare,haishin", help="bare, haishin or both")
    parser.add_argument("--workers", type=int, default=1, help="haishin serve --workers N")
    parser.add_argument(
        "--rounds",
        type=int,
        default=0,
        help="then this many max runs of the bare bot and haishin in turn (both running)",
    )
    parser.add_argument(
        "--against",
        choices=("bare", "stats-off"),
        default="bare",
        help="what --rounds runs haishin against: the bare bot, or haishin counting no stats",
    )
    parser.add_argument("--soak", type=float, default=0.0, help="seconds of steady load after")
    parser.add_argument("--soak-rate", type=float, default=100.0, help="requests/s of the soak")
    parser.add_argument(
        "--burst", type=float, default=0.0, help="also a burst at this rate (requests/s)"
    )
    parser.add_argument("--burst-seconds", type=float, default=5.0, help="length of the burst")
    parser.add_argument(
        "--loop-debug",
        type=float,
        default=0.0,
        help="run haishin in asyncio debug mode; log callbacks longer than this many ms",
    )
    parser.add_argument("--out", help="write every figure as JSON here")
    parser.add_argument("--profile", help="py-spy the max run into this folder (needs py-spy)")
    parser.add_argument(
        "--tracemalloc",
        help="trace haishin's memory: snapshots into this folder once up and at the end, "
        "and what they hold by package (slows haishin: a run for memory only)",
    )
    args = parser.parse_args()
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    args.database = [d.strip() for d in args.database.split(",") if d.strip()]
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    try:
        import uvloop

        uvloop.run(main_async(args))
    except ImportError:
        asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
