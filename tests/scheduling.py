"""How ``uv run pytest`` spreads the suite over pytest-xdist workers (a plugin of
``tests/conftest.py``).

``--dist loadscope`` hands out whole modules, so a module's migrated database and shared
``haishin serve`` are made once. Two things keep the cores busy until the end:

- **One worker more than cores.** The slowest tests spend much of their time waiting (a
  send timing out, a settle time, a late post, a retry's pause), not computing; a worker that
  waits leaves its core to the others. Each worker costs about 9 s of CPU (it imports and
  collects the whole suite), so only one more.
- **The longest modules first.** xdist's own order (most tests first) would leave the
  single-test modules that take a minute or more for the very end, where one of them is all
  that runs. ``LONGEST`` (measured; README "How long the suite takes") goes first, the rest
  keep xdist's order, and ``--no-loadscope-reorder`` keeps this one.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

EXTRA_WORKERS = 1

# Module paths, longest first (seconds on the 2-core machine, with the rest of the suite).
LONGEST = (
    "tests/bots/test_serve_editor_load.py",  # serve + editor commands over a slow fan-out
    "tests/bots/test_serve_crash.py",  # kill -9 and restart; two serve processes
    "tests/core/splitting/test_properties.py",  # hypothesis over the splitter
    "tests/bots/test_serve_workers.py",  # serve --workers 2, on both databases
    "tests/bots/cli/test_send_dry_run.py",  # four commands in a row
    "tests/bots/cli/test_doctor.py",  # serve-free, but many commands
    "tests/bots/cli/test_listing.py",
    "tests/bots/test_serve_db_health.py",  # serve with its database refusing writes
    "tests/bots/stats/test_webhooks_to_stats.py",
    "tests/core/splitting/test_corpus.py",
    "tests/bots/cli/test_ask.py",
    "tests/bots/console/test_browser.py",  # Chromium
    "tests/bots/console/test_first_hour_browser.py",
    "tests/bots/console/test_stats_browser.py",
    "tests/bots/test_serve.py",
    "tests/bots/test_serve_tokens.py",
    "tests/bots/test_serve_inbound.py",
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores this process may use."""
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process is allowed
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    return cores + EXTRA_WORKERS


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``LONGEST`` first, in its order; then modules with more tests before those with
    fewer (xdist's own order). A module's tests stay together and in their order."""
    counts = Counter(_module(item) for item in items)
    rank = {path: index for index, path in enumerate(LONGEST)}

    def key(item: pytest.Item) -> tuple[int, int, str]:
        module = _module(item)
        return (rank.get(module, len(LONGEST)), -counts[module], module)

    items.sort(key=key)
