"""Cold start and footprint: how long commands take from exec, against bare Typer, same run.

Run: ``uv run python bench/bench_startup.py [--runs 7] [--out result.json]``

Every figure is the best of ``--runs`` runs of a fresh process of the project's own venv
(``.venv/bin/haishin``, no ``uv run`` in between), and every one is also given as a ratio to
the baseline measured in the same run, interleaved with the others (the machine is shared:
only ratios compare across runs):

- baseline: ``python -c "import typer"``;
- ``haishin --help``;
- ``haishin ask latest --json`` on a database with the sample issue ingested;
- ``haishin serve``, from exec to the first ``/healthz`` answered 200, on that database
  (migrated: a restart, as after a deploy or a crash), with Slack and LINE off, and with
  both on (fake credentials; the fake APIs of ``bench/answer_fakes.py``);
- the RSS of each serve process once healthy (VmRSS; the largest of the runs);
- the CPU seconds of each process (until exit, or for serve until healthy; the least of the
  runs), and their ratio to the baseline's: a figure the load of other processes stretches
  far less than the wall time.

The first post after a ``kill -9`` is measured by ``bench/bench_fanout.py`` (its restart
line), the RSS under load by ``bench/bench_answers.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_answers import (  # noqa: E402
    LINE_SECRET,
    LINE_TOKEN,
    SLACK_SECRET,
    SLACK_TOKEN,
    fake_apis,
    free_port,
    prepare,
)

BIN = ROOT / ".venv" / "bin"
# What a developer's shell may hold and must not reach the measured processes.
UNSET = {
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_URL",
    "LINE_CHANNEL_SECRET",
    "LINE_CHANNEL_ACCESS_TOKEN",
    "LINE_API_URL",
    "HAISHIN_ADMIN_TOKEN",
    "HAISHIN_PUBLIC_URL",
}


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE goes too: measured is a process as an install runs it, with
    # the bytecode Python writes on first import (and uv at install: tool.uv.compile-bytecode).
    drop = UNSET | {"PYTHONDONTWRITEBYTECODE"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}


# CPU seconds of each case's process, by case: what the load can't stretch (much).
CPU: dict[str, list[float]] = {}


def timed(argv: list[str], env: dict[str, str], cwd: Path, name: str = "") -> float:
    """Seconds from exec to exit of one run (its output discarded; it must succeed); its
    CPU seconds go to ``CPU[name]``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    CPU.setdefault(name, []).append(used)
    return elapsed


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a running process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def serve_once(env: dict[str, str], cwd: Path, name: str = "") -> tuple[float, float]:
    """(seconds from exec to /healthz 200, RSS in MB then) of one ``haishin serve``; its CPU
    seconds until then go to ``CPU[name]``."""
    port = free_port()
    log = (cwd / "serve.log").open("ab")
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "haishin"), "serve", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        while not healthy(port):
            if process.poll() is not None:
                raise SystemExit(f"serve exited:\n{(cwd / 'serve.log').read_text()[-3000:]}")
            if time.perf_counter() - start > 120:
                raise SystemExit("serve not healthy in 120 s")
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        CPU.setdefault(name, []).append(cpu_seconds(process.pid))
        return elapsed, rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each; the best counts")
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="haishin-startup-"))
    content = prepare(workdir)
    socket_path = str(workdir / "arrivals.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # the fakes report here
    listener.bind(socket_path)
    base = clean_env(
        {
            "HAISHIN_DATABASE_URL": f"sqlite:///{workdir / 'haishin.db'}",
            "HAISHIN_CONTENT_DIR": str(content),
            "HAISHIN_LOG_LEVEL": "WARNING",
        }
    )
    subprocess.run([str(BIN / "haishin"), "ingest"], env=base, cwd=workdir, check=True)
    times: dict[str, list[float]] = {}
    rss: dict[str, float] = {}
    try:
        with fake_apis(socket_path) as (_, line_url, slack_url):
            both_on = {
                **base,
                "LINE_CHANNEL_SECRET": LINE_SECRET,
                "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
                "LINE_API_URL": line_url,
                "SLACK_SIGNING_SECRET": SLACK_SECRET,
                "SLACK_BOT_TOKEN": SLACK_TOKEN,
                "SLACK_API_URL": slack_url + "/api/",
            }
            cases: dict[str, Callable[[], float]] = {
                "baseline": lambda: timed(
                    [str(BIN / "python"), "-c", "import typer"], base, workdir, "baseline"
                ),
                "help": lambda: timed([str(BIN / "haishin"), "--help"], base, workdir, "help"),
                "ask": lambda: timed(
                    [str(BIN / "haishin"), "ask", "latest", "--json"], base, workdir, "ask"
                ),
            }
            serves = {"serve, platforms off": base, "serve, Slack and LINE on": both_on}
            for name, env in serves.items():

                def serve(name: str = name, env: dict[str, str] = env) -> float:
                    elapsed, mb = serve_once(env, workdir, name)
                    rss[name] = max(rss.get(name, 0.0), mb)
                    return elapsed

                cases[name] = serve
            serve_once(both_on, workdir)  # warm the page cache and the fakes
            for _ in range(args.runs):  # interleaved: load changes hit every case alike
                for name, case in cases.items():
                    times.setdefault(name, []).append(case())
    finally:
        listener.close()
        shutil.rmtree(workdir, ignore_errors=True)

    best = {name: min(values) for name, values in times.items()}
    baseline = best["baseline"]
    limits = {
        "help": 5.0,
        "ask": 12.0,
        "serve, platforms off": 12.0,
        "serve, Slack and LINE on": 20.0,
    }
    labels = {
        "baseline": 'python -c "import typer"',
        "help": "haishin --help",
        "ask": "haishin ask latest --json",
    }
    print(f"load average before: {os.getloadavg()[0]:.1f}; best of {args.runs} runs")
    print(
        f"{'what':<42} {'best s':>7} {'median s':>8} {'× base':>7} {'limit':>6} {'RSS MB':>7}"
        f" {'CPU s':>6} {'× base':>7}"
    )
    least_cpu = {name: min(CPU[name]) for name in times}
    for name, values in times.items():
        ordered = sorted(values)
        ratio = best[name] / baseline
        limit = f"{limits[name]:.0f}×" if name in limits else ""
        memory = f"{rss[name]:.0f}" if name in rss else ""
        cpu = least_cpu[name]
        print(
            f"{labels.get(name, 'haishin ' + name):<42} {best[name]:>7.3f} "
            f"{ordered[len(ordered) // 2]:>8.3f} {ratio:>6.1f}× {limit:>6} {memory:>7}"
            f" {cpu:>6.3f} {cpu / least_cpu['baseline']:>6.1f}×"
        )
    if args.out:
        Path(args.out).write_text(
            json.dumps(
                {"times": times, "best": best, "rss_mb": rss, "cpu": CPU, "least_cpu": least_cpu},
                indent=1,
            )
        )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
