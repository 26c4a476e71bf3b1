"""What a bot holds in memory, by package: tracemalloc snapshots of a running serve.

``bench_answers.py --tracemalloc DIR`` runs haishin with ``TRACED_SERVE``: tracemalloc on
from the first import, and a snapshot written to ``DIR`` on each SIGUSR1. The driver asks
for one once the service is up (its first content scan over) and one after the soak;
``report`` then groups what each holds by the top-level package that allocated it
(``haishin`` for bots, core and scheduler; ``python`` for the standard library), and what
grew between them. Tracing slows the bot several times: such a run measures memory only.
"""

from __future__ import annotations

import os
import signal
import time
import tracemalloc
from collections import Counter
from pathlib import Path

# The serve process's code: tracemalloc before any import, a snapshot per SIGUSR1.
TRACED_SERVE = """
import itertools, os, signal, tracemalloc
tracemalloc.start(1)
_taken = itertools.count(1)
def _snapshot(*_):
    name = f"snapshot-{next(_taken)}.tmp"
    folder = os.environ["BENCH_TRACE_DIR"]
    tracemalloc.take_snapshot().dump(os.path.join(folder, name))
    os.replace(os.path.join(folder, name), os.path.join(folder, name[:-4]))
signal.signal(signal.SIGUSR1, _snapshot)
from bots.cli import main; main()
"""
HAISHIN = ("bots", "core", "scheduler")


def take(pid: int, folder: Path, timeout: float = 120.0) -> Path:
    """Ask process ``pid`` (running ``TRACED_SERVE``) for a snapshot; its file once written."""
    before = set(folder.glob("snapshot-*"))
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = [p for p in folder.glob("snapshot-*") if p not in before and p.suffix != ".tmp"]
        if new:
            return new[0]
        time.sleep(0.2)
    raise TimeoutError(f"no snapshot from {pid} in {timeout:.0f} s")


def by_package(path: Path) -> Counter[str]:
    """Bytes held at the snapshot, by the package whose code allocated them."""
    snapshot = tracemalloc.Snapshot.load(str(path)).filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]
    )
    sizes: Counter[str] = Counter()
    for stat in snapshot.statistics("filename"):
        sizes[_package(stat.traceback[0].filename)] += stat.size
    return sizes


def _package(filename: str) -> str:
    parts = Path(filename).parts
    if "site-packages" in parts:
        name = parts[parts.index("site-packages") + 1]
        return name.removesuffix(".py").split(".")[0]
    for top in HAISHIN:
        if top in parts:
            return "haishin"
    return "python" if filename.startswith(("/", "<")) else filename


def report(start: Path, end: Path, top: int = 15) -> str:
    """The largest holders at ``start`` and at ``end`` (MB), and the change between."""
    first, last = by_package(start), by_package(end)
    lines = [
        f"traced: {sum(first.values()) / 2**20:.1f} MB after start, "
        f"{sum(last.values()) / 2**20:.1f} MB after the soak",
        f"{'package':<24} {'start MB':>9} {'end MB':>8} {'change':>8}",
    ]
    for name, size in last.most_common(top):
        lines.append(
            f"{name:<24} {first[name] / 2**20:>9.1f} {size / 2**20:>8.1f} "
            f"{(size - first[name]) / 2**20:>+8.1f}"
        )
    return "\n".join(lines)
