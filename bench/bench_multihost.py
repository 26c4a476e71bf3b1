"""Multi-host fault injection: three `haishin serve` hosts on one PostgreSQL, faults from a seed.

Run (as root): ``uv run python bench/bench_multihost.py [--schedules 20] [--seed 1]``;
``--ci`` is the short version (3 schedules, a small workload) that ``.ci/run`` runs.

What it builds:

- three "hosts": each a network namespace of its own (``ip netns``), joined to a bridge by a
  veth pair, running ``haishin serve`` (a child of this script, as ``bench_fanout.py`` runs
  it, with the same scaled pacing);
- one PostgreSQL server of its own (``initdb`` into a temporary folder, its own port, on the
  bridge's address): never the machine's shared server;
- the fake Slack and LINE APIs (``tests/fakes``) on the bridge's address, so every host
  reaches them; they enforce the rate limits, answer 5 % of sends 429 or 500, and record
  which host sent what.

Each schedule delivers the fan-out workload (the sample issue to ``--channels`` Slack
channels in ``--workspaces`` workspaces and ``--followers`` LINE followers), with faults
drawn from ``seed + schedule`` at times after the first send, printed so a run can be
repeated:

- ``kill9 hN``: ``kill -9`` of a host, started again 1-3 s later;
- ``partition hN Ds``: the host's packets to the database dropped (an ``htb`` class of
  8 bit/s, the kernel here has no ``netem``) for D s, then healed;
- ``linkdown hN Ds``: the host's link down (cut from the database and the APIs), then up;
- ``hang hN 30s``: the database backends serving the host stopped (SIGSTOP) for 30 s: its
  connections stay open and the kernel acknowledges what is sent, but nothing is answered;
- ``pg-restart``: ``pg_ctl restart -m immediate``; ``pg-stop Ds``: ``stop -m fast``, D s, start;
- ``leader-lost``: ``pg_terminate_backend`` of the session that holds the scheduler's lock;
- ``clock hN ±120s``: the host runs the whole schedule with its clock off by two minutes
  (libfaketime: ``apt-get install faketime``).

What is checked after each schedule, from the fakes' records and the ledger: every channel
got every post once, in thread order (parent, then its replies in order); every follower one
LINE message; no LINE send without ``X-Line-Retry-Key``; no unfinished ledger row; the
scheduler ran on at most one host at any time (from each host's log, stamped as it arrives),
leader changes and the longest time without one; no send from a host cut off from the
database once its lease ran out (``worker_timeout`` - ``FENCE_MARGIN`` = 13 s after the cut);
and that ``/healthz`` answered 503 while a host was cut off.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_fanout import (  # noqa: E402
    CLIENT_ID,
    CLIENT_SECRET,
    LINE_TOKEN,
    TOKEN_KEY,
    UNITS,
    follower_choices,
    issue_file,
    prepare_database,
    slow_pacing,
)

HOSTS = 3
PORT = 8080
SUBNET = f"10.{200 + os.getpid() % 50}.0"  # a run's own, so two runs can share a machine
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
SETTLE_WAIT = 120.0  # s for the ledger to finish once every post is out (settle time 60 s, 2x)
LEASE_SECONDS = 13.0  # worker_timeout 30 s - FENCE_MARGIN 17 s
KINDS = ("kill9", "partition", "linkdown", "hang", "pg-restart", "pg-stop", "leader-lost")


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=120)


def netns_problem() -> str | None:
    """None when network namespaces can be made here, else why not."""
    if os.geteuid() != 0:
        return "not root: ip netns needs root"
    if shutil.which("ip") is None or shutil.which("tc") is None:
        return "iproute2 (ip, tc) is not installed"
    probe = f"haishin-probe-{os.getpid()}"
    made = sh("ip", "netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"ip netns is not permitted here: {made.stderr.strip()}"
    sh("ip", "netns", "del", probe, check=False)
    return None


# ---------------------------------------------------------------- the network


class Network:
    """A bridge with the database and the fakes on ``SUBNET.1``, a namespace per host."""

    def __init__(self, hosts: int) -> None:
        tag = os.getpid() % 10000
        self.bridge = f"hm{tag}b"
        self.names = [f"haishin-{tag}-h{i}" for i in range(1, hosts + 1)]
        self.veths = [f"hm{tag}v{i}" for i in range(1, hosts + 1)]
        self.gateway = f"{SUBNET}.1"

    def ip(self, host: int) -> str:
        return f"{SUBNET}.{10 + host}"

    def up(self) -> None:
        sh("ip", "link", "add", self.bridge, "type", "bridge")
        sh("ip", "addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        sh("ip", "link", "set", self.bridge, "up")
        for host, (ns, veth) in enumerate(zip(self.names, self.veths, strict=True), 1):
            peer = veth.replace("v", "p", 1)
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "add", veth, "type", "veth", "peer", "name", peer)
            sh("ip", "link", "set", veth, "master", self.bridge, "up")
            sh("ip", "link", "set", peer, "netns", ns)
            self.run(host, "ip", "link", "set", peer, "name", "eth0")
            self.run(host, "ip", "addr", "add", f"{self.ip(host)}/24", "dev", "eth0")
            self.run(host, "ip", "link", "set", "eth0", "up")
            self.run(host, "ip", "link", "set", "lo", "up")

    def run(self, host: int, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return sh("ip", "netns", "exec", self.names[host - 1], *args, check=check)

    def cut_database(self, host: int, port: int) -> None:
        """Drop what the host sends to the database (nearly: 8 bit/s, a one-packet queue)."""
        self.heal(host)
        self.run(host, "tc", "qdisc", "add", "dev", "eth0", "root", "handle", "1:", "htb",
                 "default", "10")  # fmt: skip
        self.run(host, "tc", "class", "add", "dev", "eth0", "parent", "1:", "classid", "1:10",
                 "htb", "rate", "10gbit")  # fmt: skip
        self.run(host, "tc", "class", "add", "dev", "eth0", "parent", "1:", "classid", "1:20",
                 "htb", "rate", "8bit", "ceil", "8bit")  # fmt: skip
        self.run(host, "tc", "qdisc", "add", "dev", "eth0", "parent", "1:20", "pfifo",
                 "limit", "1")  # fmt: skip
        self.run(host, "tc", "filter", "add", "dev", "eth0", "parent", "1:", "protocol", "ip",
                 "u32", "match", "ip", "dst", f"{self.gateway}/32", "match", "ip", "dport",
                 str(port), "0xffff", "flowid", "1:20")  # fmt: skip

    def heal(self, host: int) -> None:
        self.run(host, "tc", "qdisc", "del", "dev", "eth0", "root", check=False)

    def heal_all(self, host: int) -> None:
        self.heal(host)
        self.run(host, "ip", "link", "set", "eth0", "up", check=False)

    def link(self, host: int, up: bool) -> None:
        self.run(host, "ip", "link", "set", "eth0", "up" if up else "down")

    def down(self) -> None:
        for ns in self.names:
            sh("ip", "netns", "del", ns, check=False)
        for veth in self.veths:
            sh("ip", "link", "del", veth, check=False)
        sh("ip", "link", "del", self.bridge, check=False)


# ---------------------------------------------------------------- hosts


@dataclass
class Host:
    """One ``haishin serve`` in a namespace; what its log said, stamped on arrival."""

    number: int
    network: Network
    env: dict[str, str]
    workdir: Path
    scale: float
    clock: int = 0  # seconds its clock is off by
    process: subprocess.Popen[bytes] | None = None
    leads: list[tuple[float, float | None]] = field(default_factory=list)
    lives: int = 0

    @property
    def ip(self) -> str:
        return self.network.ip(self.number)

    @property
    def leading(self) -> bool:
        return bool(self.leads) and self.leads[-1][1] is None

    def start(self) -> None:
        env = dict(self.env)
        if self.clock:
            env |= {
                "LD_PRELOAD": FAKETIME,
                "FAKETIME": f"{self.clock:+d}s",
                "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            }
        self.lives += 1
        log = (self.workdir / f"h{self.number}-{self.lives}.log").open("ab")
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", self.network.names[self.number - 1], sys.executable,
             str(Path(__file__).resolve()), "--child", "--scale", str(self.scale)],
            cwd=self.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        threading.Thread(target=self._read, args=(self.process, log), daemon=True).start()

    def _read(self, process: subprocess.Popen[bytes], log: Any) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            at = time.monotonic()
            log.write(raw)
            line = raw.decode("utf-8", "replace")
            if "scheduler: this process leads" in line:
                self.leads.append((at, None))
            elif "scheduler: stopped" in line and self.leading:
                self.leads[-1] = (self.leads[-1][0], at)
        log.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        if self.leading:
            self.leads[-1] = (self.leads[-1][0], time.monotonic())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.leading:
            self.leads[-1] = (self.leads[-1][0], time.monotonic())


def run_child(scale: float) -> None:
    """``haishin serve`` on all addresses of its namespace, pacing slowed ``scale`` times
    (the publishers are tuned as ``bench_fanout.py`` tunes them, through the same hook)."""
    import logging

    from bots.cli.serve import _serve
    from bots.logs import configure_logging
    from bots.settings import Settings

    slow_pacing(scale)
    configure_logging("plain", "WARNING")
    logging.getLogger("haishin.scheduler").setLevel(logging.INFO)
    signal.signal(signal.SIGTERM, lambda *_: None)
    asyncio.run(_serve(Settings(), "0.0.0.0", PORT))  # type: ignore[call-arg]


# ---------------------------------------------------------------- faults


@dataclass
class Fault:
    at: float  # seconds after the first send
    kind: str
    host: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        where = f" h{self.host}" if self.host else ""
        span = f" {self.seconds:.0f}s" if self.seconds and self.kind != "kill9" else ""
        return f"{self.kind}{where}{span}@{self.at:.0f}s"


def draw(seed: int, floor: float, count: int) -> tuple[list[Fault], int, int]:
    """The faults of one schedule, and which host runs with its clock off (and by how much)."""
    rng = random.Random(seed)
    faults = []
    for _ in range(count):
        kind = rng.choice(KINDS)
        host = rng.randint(1, HOSTS) if kind in ("kill9", "partition", "linkdown", "hang") else 0
        seconds = {
            "partition": rng.uniform(15, 40),
            "linkdown": rng.uniform(10, 30),
            "hang": 30.0,
            "pg-stop": rng.uniform(3, 12),
            "kill9": rng.uniform(1, 3),
        }.get(kind, 0.0)
        faults.append(Fault(round(rng.uniform(1.0, 0.7 * floor), 1), kind, host, seconds))
    clock_host = rng.randint(1, HOSTS) if rng.random() < 0.5 else 0
    return sorted(faults, key=lambda f: f.at), clock_host, rng.choice((-120, 120))


@dataclass
class Run:
    network: Network
    pg: Any
    hosts: list[Host]
    cuts: list[tuple[int, float, float]] = field(default_factory=list)  # host, from, to

    async def back_up(self) -> None:
        """Start the server once it has stopped, whatever held its stop up (a stopped
        backend keeps a fast stop waiting), and return when it answers."""
        while True:
            try:
                await asyncio.to_thread(self.pg.execute, "SELECT 1")
                return
            except Exception:
                pass
            if not await asyncio.to_thread(self.pg.running):
                with contextlib.suppress(subprocess.CalledProcessError):
                    await asyncio.to_thread(self.pg.start)
            await asyncio.sleep(0.5)

    async def inject(self, fault: Fault) -> None:
        host = self.hosts[fault.host - 1] if fault.host else None
        began = time.monotonic()
        if fault.kind == "kill9" and host is not None:
            host.kill()
            await asyncio.sleep(fault.seconds)
            host.start()
        elif fault.kind in ("partition", "linkdown") and host is not None:
            if fault.kind == "partition":
                self.network.cut_database(host.number, self.pg.port)
            else:
                self.network.link(host.number, False)
            await asyncio.sleep(fault.seconds)
            if fault.kind == "partition":
                self.network.heal(host.number)
            else:
                self.network.link(host.number, True)
            self.cuts.append((host.number, began, time.monotonic()))
        elif fault.kind == "hang" and host is not None:
            pids = await asyncio.to_thread(self.pg.backends, "client_addr = %s::inet", (host.ip,))
            with self.pg.frozen(pids):
                await asyncio.sleep(fault.seconds)
        elif fault.kind == "pg-restart":
            await asyncio.to_thread(self.pg.restart, "immediate")
            await self.back_up()
        elif fault.kind == "pg-stop":
            # A fast stop waits for every backend to end: a stopped (hung) one holds it up.
            await asyncio.to_thread(self.pg.stop, "fast")
            await asyncio.sleep(fault.seconds)
            await self.back_up()
        elif fault.kind == "leader-lost":
            with contextlib.suppress(Exception):
                await asyncio.to_thread(
                    self.pg.execute,
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND granted AND ((classid::bigint << 32) | objid::bigint) = %s",
                    (0x6861_6973_6869_0003,),
                )


# ---------------------------------------------------------------- one schedule


async def schedule(
    args: argparse.Namespace, number: int, network: Network, pg: Any, workdir: Path
) -> dict[str, Any]:
    from tests.fakes.line_api import FakeLineApi
    from tests.fakes.slack_api import FakeSlackAPI

    scale = args.scale
    floor = (UNITS - 1) * scale
    seed = args.seed + number
    faults, clock_host, offset = draw(seed, floor, args.faults)
    shown = [str(f) for f in faults] + ([f"clock h{clock_host} {offset:+d}s"] if clock_host else [])
    print(f"schedule {number} (seed {seed}): {', '.join(shown)}", flush=True)
    folder = workdir / f"s{number}"
    folder.mkdir()
    name = f"haishin_s{number}"
    await asyncio.to_thread(pg.execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    local_url = await asyncio.to_thread(pg.create_database, name)
    workspaces = [f"T{n:04d}" for n in range(1, args.workspaces + 1)]
    channels = [(workspaces[i % len(workspaces)], f"C{i:05d}") for i in range(args.channels)]
    followers = follower_choices(args.followers, "mixed")
    issue_file(folder / "content", datetime.now(UTC) + timedelta(seconds=args.settle))
    await prepare_database(local_url, channels, workspaces, followers)

    slack = FakeSlackAPI(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, host=network.gateway)
    slack.start()
    for team in workspaces:
        slack.add_workspace(team, token=f"xoxb-{team}")
    slack.rate_limit(per_second=1.0 / scale, burst=2)
    slack.chaos(args.chaos, statuses=(500, 429), seed=seed, retry_after_on_5xx=False)
    line = FakeLineApi(
        token=LINE_TOKEN,
        enforce_rate_limits=True,
        fault_rate=args.chaos,
        seed=seed,
        now=lambda: time.monotonic() / scale,
        host=network.gateway,
    ).start()
    line.befriend(user for user, _ in followers)  # every friend is a reader haishin knows
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HAISHIN_")},
        "PYTHONUNBUFFERED": "1",
        "HAISHIN_DATABASE_URL": pg.url(name, host=network.gateway),
        "HAISHIN_CONTENT_DIR": str(folder / "content"),
        "HAISHIN_ADMIN_TOKEN": "bench-admin-token",
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "HAISHIN_TOKEN_KEY": TOKEN_KEY,
        "SLACK_BOT_TOKEN": "",
        "SLACK_API_URL": slack.url,
        "LINE_CHANNEL_SECRET": "bench-line-secret",
        "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
        "LINE_API_URL": line.url,
    }
    hosts = [
        Host(n, network, env, folder, scale, offset if n == clock_host else 0)
        for n in range(1, HOSTS + 1)
    ]
    run = Run(network, pg, hosts)
    health: list[tuple[float, int, int]] = []  # (at, host, status)
    stop_polling = asyncio.Event()
    expected = len(channels) * UNITS
    began = time.monotonic()
    first: float | None = None
    injections: list[asyncio.Task[None]] = []
    outcome = "done"
    try:
        for host in hosts:
            host.start()
        poller = asyncio.create_task(poll_health(hosts, health, stop_polling))
        while True:
            await asyncio.sleep(0.25)
            posted = slack.message_count()
            if first is None and (posted or line.deliveries):
                first = time.monotonic()
                for fault in faults:
                    injections.append(asyncio.create_task(later(first + fault.at, run, fault)))
            reached = len({u for d in line.deliveries if d.endpoint != "reply" for u in d.to})
            if (
                posted >= expected
                and reached >= len(followers)
                and all(t.done() for t in injections)
            ):
                break
            if time.monotonic() - began > args.timeout:
                outcome = "timed out"
                break
        await asyncio.sleep(max(5.0, 2 * scale))  # anything more would be a duplicate
        for task in injections:
            task.cancel()
        await asyncio.gather(*injections, return_exceptions=True)
        ended = time.monotonic()
        stop_polling.set()
        await poller
        await run.back_up()  # a stop may still be held up by a hung backend
        # Every post is out, but the ledger may still be following a narrowcast's progress or
        # waiting to look up a send in doubt (settle time): give it that long to finish.
        for _ in range(int(SETTLE_WAIT / 2)):
            if not (unfinished := await ledger_unfinished(local_url)):
                break
            await asyncio.sleep(2.0)
        return check(
            number, seed, shown, outcome, slack, line, channels, followers, hosts, run,
            health, first or began, ended, floor, unfinished, scale,
        )  # fmt: skip
    finally:
        for n in range(1, HOSTS + 1):
            network.heal_all(n)
        for host in hosts:
            host.stop()
        slack.stop()
        line.stop()


async def later(when: float, run: Run, fault: Fault) -> None:
    await asyncio.sleep(max(0.0, when - time.monotonic()))
    await run.inject(fault)


async def poll_health(
    hosts: list[Host], seen: list[tuple[float, int, int]], stop: asyncio.Event
) -> None:
    def probe(host: Host) -> int:
        try:
            with urllib.request.urlopen(f"http://{host.ip}:{PORT}/healthz", timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except OSError:
            return 0

    while not stop.is_set():
        for host in hosts:
            seen.append((time.monotonic(), host.number, await asyncio.to_thread(probe, host)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)


async def ledger_unfinished(url: str) -> int:
    from sqlalchemy import func, select

    from core.storage.database import Database
    from core.storage.models import DeliveryRow

    db = Database.from_url(url)
    try:
        async with db.session() as session:
            query = select(func.count()).where(
                DeliveryRow.state.in_(("pending", "sending", "failed"))
            )
            return int(await session.scalar(query) or 0)
    finally:
        await db.dispose()


def check(
    number: int,
    seed: int,
    faults: list[str],
    outcome: str,
    slack: Any,
    line: Any,
    channels: list[tuple[str, str]],
    followers: list[tuple[str, list[str]]],
    hosts: list[Host],
    run: Run,
    health: list[tuple[float, int, int]],
    first: float,
    ended: float,
    floor: float,
    unfinished: int,
    scale: float,
) -> dict[str, Any]:
    messages: dict[str, list[Any]] = {}
    for message in slack.messages():
        messages.setdefault(message.channel, []).append(message)
    sequences = Counter(
        tuple(m.text for m in sorted(ms, key=lambda m: float(m.ts))) for ms in messages.values()
    )
    reference = sequences.most_common(1)[0][0] if sequences else ()
    lost = duplicates = out_of_order = 0
    for _, channel in channels:
        got = sorted(messages.get(channel, []), key=lambda m: float(m.ts))
        lost += max(0, UNITS - len(got))
        duplicates += max(0, len(got) - UNITS)
        if len(got) == UNITS and (
            tuple(m.text for m in got) != reference
            or got[0].thread_ts is not None
            or any(m.thread_ts != got[0].ts for m in got[1:])
        ):
            out_of_order += 1
    # line:all reaches the readers who take the default digest by a narrowcast (every friend
    # but those with their own choice, who get multicasts and pushes).
    reached = Counter(
        u
        for d in line.deliveries
        if d.endpoint in ("push", "multicast", "narrowcast")
        for u in d.to
    )
    lost += sum(1 for user, _ in followers if reached[user] == 0)
    duplicates += sum(n - 1 for n in reached.values() if n > 1)
    duplicates += sum(1 for d in line.deliveries if d.endpoint == "broadcast") * len(followers)
    sends = [
        c
        for c in line.calls()  # sends: not the GETs of a narrowcast's progress
        if c.method == "POST"
        and c.path.rsplit("/", 1)[-1] in ("push", "multicast", "narrowcast", "broadcast")
    ]
    no_key = sum(1 for c in sends if not c.retry_key)
    posts = slack.calls("chat.postMessage")
    accepted = [c.at for c in posts if c.status == 200] + [
        c.at * scale for c in sends if c.status in (200, 202)
    ]
    wall = (max(accepted) - first) if accepted else 0.0
    # Sends from a host after its lease ran out while it was cut off from the database.
    addresses = {h.ip: h.number for h in hosts}
    after_lease = sum(
        1
        for host, cut, healed in run.cuts
        for at, peer in [(c.at, c.peer) for c in posts] + [(c.at * scale, c.peer) for c in sends]
        if addresses.get(str(peer)) == host and cut + LEASE_SECONDS + 1 < at < healed
    )
    intervals = sorted(
        (start, end if end is not None else ended, h.number)
        for h in hosts
        for start, end in h.leads
    )
    overlap = 0.0
    for i, (_, end, who) in enumerate(intervals):
        for other_start, other_end, other in intervals[i + 1 :]:
            if other != who and other_start < end:
                overlap = max(overlap, min(end, other_end) - other_start)
    gap, reach = 0.0, intervals[0][1] if intervals else ended
    for start, end, _ in intervals[1:]:
        gap = max(gap, start - reach)
        reach = max(reach, end)
    if intervals:
        gap = max(gap, ended - reach)
    degraded_seen = all(
        any(h == host and cut <= at <= healed + 1 and status != 200 for at, h, status in health)
        for host, cut, healed in run.cuts
        if healed - cut >= 8
    )
    return {
        "schedule": number,
        "seed": seed,
        "faults": faults,
        "outcome": outcome,
        "wall_seconds": round(wall, 1),
        "floor_seconds": floor,
        "ratio": round(wall / floor, 2),
        "leader_changes": max(0, len(intervals) - 1),
        "longest_leaderless_seconds": round(gap, 1),
        "leaders_overlap_seconds": round(overlap, 2),
        "duplicates": duplicates,
        "lost": lost,
        "out_of_thread_order": out_of_order,
        "line_sends_without_retry_key": no_key,
        "sends_after_lease_lost": after_lease,
        "unfinished_ledger_rows": unfinished,
        "healthz_503_while_cut_off": degraded_seen,
        "host_lives": [h.lives for h in hosts],
    }


# ---------------------------------------------------------------- the whole run


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| schedule | faults | wall / floor | leader changes | longest leaderless | "
        "duplicates | lost | checks |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        bad = [
            key
            for key in (
                "out_of_thread_order",
                "line_sends_without_retry_key",
                "sends_after_lease_lost",
                "unfinished_ledger_rows",
            )
            if r[key]
        ]
        if r["leaders_overlap_seconds"] > 0:
            bad.append(f"two leaders {r['leaders_overlap_seconds']} s")
        if not r["healthz_503_while_cut_off"]:
            bad.append("healthz said ok while cut off")
        if r["outcome"] != "done":
            bad.append(r["outcome"])
        lines.append(
            f"| {r['schedule']} (seed {r['seed']}) | {', '.join(r['faults'])} | "
            f"{r['wall_seconds']} s / {r['floor_seconds']:.0f} s = {r['ratio']}× | "
            f"{r['leader_changes']} | {r['longest_leaderless_seconds']} s | "
            f"{r['duplicates']} | {r['lost']} | {', '.join(bad) or 'all hold'} |"
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> int:
    from tests.fakes.pgserver import OwnPostgres, available

    problem = netns_problem() or available()
    if problem:
        print(f"bench_multihost: skipped: {problem}")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="haishin-multihost-"))
    network = Network(HOSTS)
    network.down()
    network.up()
    pg = OwnPostgres(listen=f"{network.gateway},127.0.0.1", settings="max_connections = 400")
    pg.init()
    pg.host = "127.0.0.1"
    results: list[dict[str, Any]] = []
    try:
        pg.start()
        for number in range(1, args.schedules + 1):
            results.append(await schedule(args, number, network, pg, workdir))
            print(json.dumps(results[-1]), flush=True)
    finally:
        pg.destroy()
        network.down()
    print(table(results))
    print(f"logs: {workdir}")
    failed = [
        r
        for r in results
        if r["duplicates"] or r["lost"] or r["outcome"] != "done" or r["out_of_thread_order"]
    ]
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schedules", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", type=int, default=3, help="faults per schedule")
    parser.add_argument("--scale", type=float, default=10.0, help="rate-limit clock slow-down")
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--followers", type=int, default=50_000)
    parser.add_argument("--chaos", type=float, default=0.05, help="share of 500/429 answers")
    parser.add_argument("--settle", type=float, default=25, help="s from start to publication")
    parser.add_argument("--timeout", type=float, default=900, help="s per schedule")
    parser.add_argument("--ci", action="store_true", help="3 schedules, a small workload")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.scale)
        return
    # SIGTERM as Ctrl-C: the hosts, the server and the namespaces are cleaned up.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if not os.path.exists(FAKETIME):
        print("bench_multihost: libfaketime missing (apt-get install faketime): no clock faults")
    if args.ci:
        args.schedules, args.channels, args.workspaces = 3, 40, 8
        args.followers, args.scale, args.settle, args.timeout = 1000, 6.0, 20, 300
    raise SystemExit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
