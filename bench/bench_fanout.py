"""Fan-out benchmark: one issue to 2,000 Slack channels and 50,000 LINE followers, with faults.

Run: ``uv run python bench/bench_fanout.py [--scale 10] [--database-url URL] [--line mixed]``
(``--line friends``: 50,000 friends of whom 2,000 are known and 500 chose sections)

What it does:

- the sample issue, just published; 2,000 Slack channels in 200 workspaces (OAuth installs,
  one bot token per workspace) and 50,000 LINE followers: ``--line mixed`` (default) gives
  them different section choices, so the plan needs multicasts and pushes;
  ``--line broadcast`` gives them all the default, so it is one broadcast; ``--line
  friends`` makes the account 50,000 friends (``--friends``) of whom haishin knows only
  2,000 (``--followers``), 500 of them (``--chose``) with their own sections: a narrowcast
  to every friend but those 500 (an uploaded audience) and multicasts of their choices.
  In every mode LINE's insight says how many friends there are, and they are all listed;
- the fake Slack and LINE APIs run in this process (threads) and enforce the documented
  rate limits: chat.postMessage one a second per channel (a burst of 2 tolerated, as Slack
  does), LINE multicast 200/s, broadcast 60/h; 5 % of sends are answered 500 or 429 at
  random (``--chaos``; a 429 says ``Retry-After: 1``, a 500 nothing);
- ``--late P`` (with ``--seed``): a share P of chat.postMessage calls is held past haishin's
  15 s send timeout and carried out 1-20 s later (a post landing late, as behind a load
  balancer); haishin must settle each before it looks it up, and delete any late copy;
  ``--settle S`` sets ``HAISHIN_SETTLE_SECONDS`` (default: haishin's own, 60 s);
- ``haishin serve`` runs as a child process; when half of the Slack posts are in, it gets
  ``kill -9`` and is started again at once; reported is how long after its exec the new
  process posted first, in seconds and in the CPU seconds it had used by then (the wall time
  stretches with the machine's load, the CPU time much less);
- at the end: wall time from the first send to the last, against the floor the rate limits
  allow (one post per channel per interval after the first: 6 intervals for the sample's 7
  posts), and against the same floor plus one interval for each injected 429 the busiest
  channel was told to wait out (a 429 of the fake's own rate limit, a post haishin sent too
  early, extends no floor: those are counted apart); peak memory (VmHWM) of each serve
  process; duplicates and lost posts.

``--scale S`` slows the rate-limit clock S times on both sides (the fakes' limits and
haishin's pacing): one post every S seconds per channel instead of every second. Everything
else (timeouts, Retry-After, backoff, restarts) runs in real time, so scaling makes the
benchmark harder, not easier, relative to its floor. It exists because this 2-core machine
also runs the fakes: unscaled, 14,000 posts in 6 s would measure the fakes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "content" / "issues" / "2025-10-04.txt"
PROFILE = ROOT / "content" / "newsletter.toml"
CLIENT_ID = "111.222"
CLIENT_SECRET = "client-secret"
TOKEN_KEY = "Y4gVPB_lDRsD6lgJ3vvBrJtDi2AYq7wIt-LUwLg1Nmo="  # Fernet: tokens at rest
LINE_TOKEN = "bench-line-token"
UNITS = 7  # the sample issue on Slack: a parent and six thread posts
SEND_TIMEOUT_SECONDS = 15  # haishin's Slack send timeout (bots.slack.publisher)


# ---------------------------------------------------------------- the measured process


def slow_pacing(scale: float) -> None:
    """Have ``haishin serve`` in this process build its publishers with their pacing slowed
    ``scale`` times (see the module docstring); ``bench_multihost.py`` uses it too."""
    import bots.bootstrap
    from bots.bootstrap import Services
    from bots.line.publisher import RATES
    from bots.platform import Platform
    from core.ratelimit import KeyedRateLimiter

    build_platforms = bots.bootstrap.build_platforms

    def tuned_platforms(services: Services) -> dict[str, Platform]:
        platforms = build_platforms(services)
        slack = platforms.get("slack")
        if slack is not None and slack.publisher is not None:
            slack.publisher.limiter = KeyedRateLimiter(rate=1.0 / scale, burst=1)  # type: ignore[attr-defined]
        line = platforms.get("line")
        if line is not None and line.publisher is not None:
            limiters = line.publisher._limiters  # type: ignore[attr-defined]
            for endpoint, (rate, burst) in RATES.items():
                limiters[endpoint] = KeyedRateLimiter(rate=rate / scale, burst=burst)
        return platforms

    # The benchmark's own hook, in its own process: haishin serve builds its platforms
    # through this name, and the publishers are slowed before anything starts.
    bots.bootstrap.build_platforms = tuned_platforms


def run_child(port: int, scale: float) -> None:
    """``haishin serve`` with its pacing slowed ``scale`` times (see the module docstring)."""
    from bots.cli.serve import _serve
    from bots.logs import configure_logging
    from bots.settings import Settings

    slow_pacing(scale)
    settings = Settings()
    configure_logging("plain", os.environ.get("HAISHIN_LOG_LEVEL", "WARNING"))
    signal.signal(signal.SIGTERM, lambda *_: None)
    profile = os.environ.get("HAISHIN_BENCH_PROFILE")
    if profile:  # where the serve process spends its time (written at SIGTERM)
        import cProfile

        cProfile.runctx(
            "asyncio.run(_serve(settings, '127.0.0.1', port))",
            globals(),
            locals(),
            f"{profile}.{os.getpid()}",
        )
        return
    asyncio.run(_serve(settings, "127.0.0.1", port))


# ---------------------------------------------------------------- set-up


def issue_file(folder: Path, publish_at: datetime) -> None:
    (folder / "issues").mkdir(parents=True)
    (folder / "newsletter.toml").write_text(PROFILE.read_text(encoding="utf-8"), "utf-8")
    text = SAMPLE.read_text(encoding="utf-8")
    (folder / "issues" / "issue-1.txt").write_text(
        f"---\nnumber: 1\npublish_at: {publish_at.isoformat()}\n---\n{text}", encoding="utf-8"
    )


def follower_choices(count: int, mode: str, chose: int = 500) -> list[tuple[str, list[str]]]:
    """(user id, sections): ``mixed`` needs multicasts and pushes; ``broadcast`` doesn't;
    ``friends``: the first ``chose`` chose sections, the rest take the default."""
    ids = [f"U{index:032x}" for index in range(1, count + 1)]
    if mode == "broadcast":
        return [(user, []) for user in ids]
    if mode == "friends":
        kinds = [["topic"], ["afterword"], ["articles", "afterword"], ["shorts"]]
        return [(user, kinds[i % len(kinds)] if i < chose else []) for i, user in enumerate(ids)]
    singles = [
        ["articles"],
        ["shorts"],
        ["articles", "afterword"],
        ["topic", "shorts"],
        ["shorts", "afterword"],
    ]
    choices: list[tuple[str, list[str]]] = []
    for index, user in enumerate(ids):
        if index < len(singles):
            choices.append((user, singles[index]))  # alone with their choice: a push
        elif index < count // 5:
            choices.append((user, ["topic"]))
        elif index < count // 5 + 95:
            choices.append((user, ["afterword"]))
        else:
            choices.append((user, []))
    return choices


async def prepare_database(
    url: str,
    channels: list[tuple[str, str]],
    workspaces: list[str],
    followers: list[tuple[str, list[str]]],
) -> None:
    from slack_sdk.oauth.installation_store import Installation
    from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
    from sqlalchemy import insert

    from core.storage.database import Database
    from core.storage.models import LineFollowerRow, SubscriptionRow

    db = Database.from_url(url)
    await db.migrate()
    now = datetime.now(UTC)
    async with db.transaction() as session:
        await session.execute(
            insert(SubscriptionRow),
            [
                {
                    "platform": "slack",
                    "workspace": team,
                    "target": channel,
                    "sections": [],
                    "cadence": "on-publish",
                    "active": True,
                    "starts_after": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for team, channel in channels
            ]
            + [
                {
                    "platform": "line",
                    "workspace": None,
                    "target": "all",
                    "sections": [],
                    "cadence": "on-publish",
                    "active": True,
                    "starts_after": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        for start in range(0, len(followers), 5000):
            await session.execute(
                insert(LineFollowerRow),
                [
                    {
                        "user_id": user,
                        "language": "ja",
                        "sections": sections,
                        "active": True,
                        "followed_at": now,
                        "updated_at": now,
                    }
                    for user, sections in followers[start : start + 5000]
                ],
            )
    store = AsyncSQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=db.engine)
    for team in workspaces:
        await store.async_save(
            Installation(
                app_id="A0HAISHIN",
                team_id=team,
                team_name=f"Workspace {team}",
                bot_token=f"xoxb-{team}",
                bot_id=f"BB{team}",
                bot_user_id=f"UB{team}",
                bot_scopes="chat:write,chat:write.public,channels:history,channels:join",
                user_id="UINSTALLER",
                installed_at=time.time(),
            )
        )
    await db.dispose()


# ---------------------------------------------------------------- measuring


def peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of a running process (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Child:
    def __init__(self, env: dict[str, str], workdir: Path, port: int, scale: float, n: int) -> None:
        self.log = workdir / f"serve-{n}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--child",
                    "--port",
                    str(port),
                    "--scale",
                    str(scale),
                ],
                cwd=workdir,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.started = time.monotonic()
        self.peak_kb = 0
        self.cpu: list[tuple[float, float]] = [(self.started, 0.0)]  # (monotonic, CPU s)

    def sample(self) -> None:
        self.peak_kb = max(self.peak_kb, peak_rss_kb(self.process.pid))
        used = cpu_seconds(self.process.pid)
        if used is not None:
            self.cpu.append((time.monotonic(), used))

    def cpu_at(self, at: float) -> float | None:
        """CPU seconds the process had used at monotonic time ``at`` (interpolated between
        the samples around it; None past the last)."""
        for (t0, c0), (t1, c1) in zip(self.cpu, self.cpu[1:], strict=False):
            if t0 <= at <= t1:
                return c0 + (c1 - c0) * ((at - t0) / (t1 - t0) if t1 > t0 else 1.0)
        return None


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.fakes.line_api import FakeLineApi
    from tests.fakes.postgres import scratch_database
    from tests.fakes.slack_api import FakeSlackAPI

    scale = args.scale
    workdir = Path(tempfile.mkdtemp(prefix="haishin-fanout-"))
    url = args.database_url or f"sqlite:///{workdir / 'haishin.db'}"
    scratch = contextlib.ExitStack()  # a PostgreSQL database of the run's own, dropped after
    if args.database_url:
        url = scratch.enter_context(scratch_database(args.database_url, "haishin_bench"))
    workspaces = [f"T{n:04d}" for n in range(1, args.workspaces + 1)]
    channels = [(workspaces[i % len(workspaces)], f"C{i:05d}") for i in range(args.channels)]
    followers = follower_choices(args.followers, args.line, args.chose)
    count = args.friends if args.line == "friends" else len(followers)
    friend_ids = [f"U{index:032x}" for index in range(1, count + 1)]
    issue_file(workdir / "content", datetime.now(UTC) - timedelta(seconds=30))
    await prepare_database(url, channels, workspaces, followers)

    slack = FakeSlackAPI(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    for team in workspaces:
        slack.add_workspace(team, token=f"xoxb-{team}")
    slack.rate_limit(per_second=1.0 / scale, burst=2)  # Slack tolerates short bursts
    slack.chaos(args.chaos, statuses=(500, 429), seed=args.seed, retry_after_on_5xx=False)
    if args.late:
        slack.late(args.late, after=SEND_TIMEOUT_SECONDS, spread=(1.0, 20.0), seed=args.seed)
    line = FakeLineApi(
        token=LINE_TOKEN,
        enforce_rate_limits=True,
        fault_rate=args.chaos,
        seed=2,
        now=lambda: time.monotonic() / scale,
    ).start()
    line.befriend(friend_ids)
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "HAISHIN_DATABASE_URL": url,
        "HAISHIN_CONTENT_DIR": str(workdir / "content"),
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "HAISHIN_TOKEN_KEY": TOKEN_KEY,  # serve encrypts the seeded tokens at start
        "SLACK_BOT_TOKEN": "",
        "SLACK_API_URL": slack.url,
        "LINE_CHANNEL_SECRET": "bench-line-secret",
        "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
        "LINE_API_URL": line.url,
    }
    if args.settle is not None:
        env["HAISHIN_SETTLE_SECONDS"] = str(args.settle)
    expected_slack = len(channels) * UNITS
    port = 18000 + os.getpid() % 1000
    lives = [Child(env, workdir, port, scale, 1)]
    killed_at: float | None = None
    restarted = False
    line_done = False
    reached = 0
    started = time.monotonic()
    try:
        while True:
            await asyncio.sleep(0.25)
            for child in lives:
                child.sample()
            posted = slack.message_count()
            if not line_done:
                reached = sum(len(d.to) for d in line.deliveries if d.endpoint != "reply")
            line_done = (
                reached >= len(friend_ids)
                if args.line != "broadcast"
                else any(d.endpoint == "broadcast" for d in line.deliveries)
            )
            if not restarted and posted >= expected_slack * args.kill_at:
                lives[-1].process.send_signal(signal.SIGKILL)
                lives[-1].process.wait()
                killed_at = time.monotonic()
                lives.append(Child(env, workdir, port, scale, 2))
                restarted = True
            if posted >= expected_slack and line_done:
                break
            if lives[-1].process.poll() is not None:
                raise RuntimeError("haishin serve exited:\n" + lives[-1].log.read_text()[-4000:])
            if time.monotonic() - started > args.timeout:
                raise RuntimeError(
                    f"not done in {args.timeout} s: {posted}/{expected_slack} posts, "
                    f"{reached} LINE recipients\n" + lives[-1].log.read_text()[-4000:]
                )
        await asyncio.sleep(max(5.0, 2 * scale))  # anything more would be a duplicate
        # Posts still held land, and late copies are deleted within a settle time after.
        settle = args.settle if args.settle is not None else 60.0
        waited = time.monotonic()
        while slack.holding or (  # noqa: ASYNC110 (polling another thread's counters)
            slack.stats()["duplicates"] and time.monotonic() - waited < settle + 30
        ):
            await asyncio.sleep(0.5)
        for child in lives:
            child.sample()
        return report(args, slack, line, channels, friend_ids, lives, killed_at, scale)
    finally:
        last = lives[-1].process
        if last.poll() is None:
            last.send_signal(signal.SIGTERM)
            try:
                last.wait(60)
            except subprocess.TimeoutExpired:
                last.kill()
        slack.stop()
        line.stop()
        scratch.close()


def report(
    args: argparse.Namespace,
    slack: Any,
    line: Any,
    channels: list[tuple[str, str]],
    friends: list[str],
    lives: list[Child],
    killed_at: float | None,
    scale: float,
) -> dict[str, Any]:
    posts = [c for c in slack.calls("chat.postMessage")]
    accepted = [c for c in posts if c.status == 200 and c.response.get("ok")]
    sends = [
        c
        for c in line.calls()  # sends: not the GETs of a narrowcast's progress
        if c.method == "POST"
        and c.path.rsplit("/", 1)[-1] in ("push", "multicast", "narrowcast", "broadcast")
    ]
    line_ok = [c for c in sends if c.status in (200, 202)]
    first = min([c.at for c in posts] + [c.at * scale for c in sends])
    last = max([c.at for c in accepted] + [c.at * scale for c in line_ok])
    wall = last - first
    floor = (UNITS - 1) * scale  # one post per channel every `scale` s after the first
    # An injected 429 says "wait Retry-After" (1 s = one interval here, as Slack's 1 s = one
    # post); honouring it is part of the limits, so the floor that counts them adds one
    # interval per 429 to its channel. A 429 the fake's rate limit gave (haishin sent too
    # early) is haishin's own doing: it extends no floor.
    told_to_wait = Counter(c.params.get("channel") for c in posts if c.status == 429 and c.injected)
    too_early = sum(1 for c in posts if c.status == 429 and not c.injected)
    fault_floor = (UNITS - 1 + max(told_to_wait.values(), default=0)) * scale
    per_channel = Counter(m.channel for m in slack.messages())
    lost_slack = sum(max(0, UNITS - per_channel.get(ch, 0)) for _, ch in channels)
    extra_slack = sum(max(0, n - UNITS) for n in per_channel.values())
    reached = Counter(
        u
        for d in line.deliveries
        if d.endpoint in ("push", "multicast", "narrowcast")
        for u in d.to
    )
    broadcasts = sum(1 for d in line.deliveries if d.endpoint == "broadcast")
    if args.line == "broadcast":
        lost_line = 0 if broadcasts else len(friends)
        dup_line = max(0, broadcasts - 1) * len(friends)
    else:
        lost_line = sum(1 for user in friends if reached[user] == 0)
        dup_line = sum(n - 1 for n in reached.values() if n > 1) + broadcasts * len(friends)
    line_requests = Counter(
        f"{c.method} {c.path.removeprefix('/v2/bot/')}"
        for c in line.calls()
        if c.path.rsplit("/", 1)[-1] != "reply"
        and not c.path.startswith("/v2/bot/insight/")
        and not c.path.startswith("/v2/bot/audienceGroup/1")  # grouped below
    )
    line_requests["audience checks and deletes"] = sum(
        1 for c in line.calls() if c.path.startswith("/v2/bot/audienceGroup/1")
    )
    stats = slack.stats()
    removed = sum(1 for c in slack.calls("chat.delete") if c.response.get("ok"))
    by_endpoint = Counter(d.endpoint for d in line.deliveries)
    starts: dict[str, float] = {}
    ends: dict[str, float] = {}
    for call in accepted:
        channel = str(call.params.get("channel"))
        starts[channel] = min(starts.get(channel, call.at), call.at)
        ends[channel] = max(ends.get(channel, call.at), call.at)
    offsets = sorted(at - first for at in starts.values())
    spans = sorted(ends[ch] - starts[ch] for ch in starts)
    return {
        "scale": scale,
        "channels": len(channels),
        "workspaces": len({team for team, _ in channels}),
        "friends": len(friends),
        "known_followers": args.followers,
        "line_mode": args.line,
        "chaos": args.chaos,
        "wall_seconds": round(wall, 1),
        "floor_seconds": floor,
        "ratio": round(wall / floor, 3),
        "floor_with_429_waits_seconds": fault_floor,
        "ratio_to_floor_with_429_waits": round(wall / fault_floor, 3),
        "posts_refused_as_too_early": too_early,
        "peak_rss_mb": [round(child.peak_kb / 1024, 1) for child in lives],
        "killed_after_seconds": round(killed_at - first, 1) if killed_at else None,
        "restart_gap_seconds": restart_gap(posts, sends, killed_at, scale),
        "restart_first_send_after_exec_seconds": (
            restart_gap(posts, sends, lives[-1].started, scale) if killed_at else None
        ),
        # The same in CPU seconds of the new process (a machine others load stretches the
        # wall time; what the process itself did until then, imports included, much less).
        "restart_first_send_after_exec_cpu_seconds": restart_cpu(posts, sends, lives[-1], scale)
        if killed_at
        else None,
        "first_send_after_start_seconds": round(first - lives[0].started, 1),
        "slowest_channels": _slowest(slack, starts, ends, first, killed_at),
        "channel_first_post_after_start_s": _spread(offsets),
        "channel_first_to_last_post_s": _spread(spans),
        "late": {
            "share": args.late,
            "seed": args.seed,
            "settle_seconds": args.settle if args.settle is not None else 60.0,
            "posts_landed_late": slack.landed_late,
            "duplicates_removed": removed,
            "duplicates_visible_at_end": stats["duplicates"],
        },
        "slack": {
            "posts": sum(per_channel.values()),
            "expected": len(channels) * UNITS,
            "duplicates_by_delivery_id": stats["duplicates"],
            "extra_posts": extra_slack,
            "lost": lost_slack,
            "calls": stats["calls"],
        },
        "line": {
            "accepted_requests": dict(by_endpoint),
            "calls_by_status": dict(Counter(c.status for c in sends)),
            "recipients_reached": len(reached) if args.line != "broadcast" else len(friends),
            "duplicates": dup_line,
            "lost": lost_line,
            "messages_counted": line.usage,
            "requests": dict(sorted(line_requests.items())),
        },
    }


def _slowest(
    slack: Any,
    starts: dict[str, float],
    ends: dict[str, float],
    first: float,
    killed_at: float | None,
) -> dict[str, list[str]]:
    """The three channels that took longest: each call, as 'seconds method status'."""
    worst = sorted(starts, key=lambda ch: ends[ch] - starts[ch])[-3:]
    out = {}
    for channel in worst:
        calls = [c for c in slack.calls() if str(c.params.get("channel")) == channel]
        out[channel] = [f"{c.at - first:7.1f} {c.method} {c.status}" for c in calls] + (
            [f"{killed_at - first:7.1f} kill -9"] if killed_at else []
        )
    return out


def _spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {}

    def at(q: float) -> float:
        return round(values[min(len(values) - 1, int(q * len(values)))], 1)

    return {"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": round(values[-1], 1)}


def restart_cpu(posts: list[Any], sends: list[Any], child: Child, scale: float) -> Any:
    """CPU seconds ``child`` had used at its first post (Slack or LINE)."""
    after = [c.at for c in posts if c.at > child.started] + [
        c.at * scale for c in sends if c.at * scale > child.started
    ]
    used = child.cpu_at(min(after)) if after else None
    return round(used, 2) if used is not None else None


def restart_gap(posts: list[Any], sends: list[Any], killed_at: float | None, scale: float) -> Any:
    """Seconds from the kill -9 (or from the new process's exec, when given that) to the
    restarted process's first send."""
    if killed_at is None:
        return None
    after = [c.at for c in posts if c.at > killed_at] + [
        c.at * scale for c in sends if c.at * scale > killed_at
    ]
    return round(min(after) - killed_at, 1) if after else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=10.0, help="rate-limit clock slow-down")
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument(
        "--followers", type=int, default=None, help="known followers (50,000; friends: 2,000)"
    )
    parser.add_argument("--line", choices=("mixed", "broadcast", "friends"), default="mixed")
    parser.add_argument("--friends", type=int, default=50_000, help="--line friends: friends")
    parser.add_argument("--chose", type=int, default=500, help="--line friends: own choices")
    parser.add_argument("--chaos", type=float, default=0.05, help="share of 500/429 answers")
    parser.add_argument("--kill-at", type=float, default=0.5, help="kill -9 at this share")
    parser.add_argument("--late", type=float, default=0.0, help="share of posts landing late")
    parser.add_argument("--seed", type=int, default=1, help="seed of chaos and late landings")
    parser.add_argument("--settle", type=float, default=None, help="HAISHIN_SETTLE_SECONDS")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to use")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.followers is None:
        args.followers = 2000 if args.line == "friends" else 50_000
    if args.child:
        run_child(args.port, args.scale)
        return
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
