"""How ``uv run pytest`` spreads the suite over pytest-xdist workers (a plugin of
``tests/conftest.py``).

``--dist loadscope`` hands out whole modules, so a module's migrated database and shared
``haishin serve`` are made once. Two things keep the cores busy until the end:

- **Two workers more than cores.** Many tests spend most of their time waiting (a send timing
  out, a settle time, a late post, a retry's pause, a rate limit, a subprocess starting), not
  computing: measured per test, the suite waits nearly as long as it computes. A worker that
  waits leaves its core to the others. Each worker costs about 3 s of CPU (it imports and
  collects the whole suite, from the bytecode cached under ``.pytest_cache``), less than the
  idle core time a second extra worker fills (one extra left the 2-core machine's cores
  idle about a third of the run).
- **The longest modules first.** xdist's own order (most tests first) would leave long
  modules of one or a few tests for the very end, where one of them is all that runs.
  ``LONGEST`` (measured; README "How long the suite takes"; those that mostly wait taking
  turns with those that mostly compute) goes first, the rest keep xdist's order, and
  ``--no-loadscope-reorder`` keeps this one. (xdist hands a worker its next module once two
  of its tests are left, so that module waits behind a long last test: only short ones
  should be left for then.)
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

EXTRA_WORKERS = 2

# Module paths, longest first, those that mostly wait taking turns with those that mostly
# compute, so that the first ones to run side by side do not all wait. Seconds of wall time
# in the whole suite on the 2-core machine (three workers); "waits": less than half of them
# were CPU time (its own and its subprocesses').
LONGEST = (
    "tests/bots/test_serve_crash.py",  # 38, waits: kill -9 and restart; two serve processes
    "tests/bots/test_serve_editor_load.py",  # 23: serve + editor commands, late posts
    "tests/bots/test_serve_settling.py",  # 20, waits: late posts past a 2 s timeout
    "tests/core/splitting/test_corpus.py",  # 18: the splitter over the corpora
    "tests/bots/test_serve_delivery.py",  # 20, waits
    "tests/bots/cli/test_output.py",  # 17: CLI subprocesses
    "tests/bots/test_serve_cli.py",  # 15, waits: sends paced at Slack's 1 a second
    "tests/bots/console/test_first_hour_browser.py",  # 12: Chromium
    "tests/core/storage/test_search.py",  # 13, waits
    "tests/bots/cli/test_ask.py",  # 12
    "tests/bots/test_serve_db_health.py",  # 10, waits: serve with its database refusing writes
    "tests/bots/test_newsletter_corpus.py",  # 11
    "tests/bots/line/test_friends.py",  # 9, waits
    "tests/core/parsing/test_parse_corpora.py",  # 10
    "tests/bots/test_serve_tokens.py",  # 8.5, waits
    "tests/bots/test_serve_workers.py",  # 9.5: serve --workers 2, on both databases
    "tests/bots/test_serve.py",  # 8.4, waits
    "tests/core/splitting/test_properties.py",  # 8: hypothesis over the splitter
    "tests/bots/cli/test_imports.py",  # 8, waits
    "tests/bots/slack/test_refusals.py",  # 7
    "tests/bots/console/test_stats_browser.py",  # 7: Chromium
    "tests/core/delivery/test_worker.py",  # 6.5
    "tests/bots/slack/test_app.py",  # 7, waits
    "tests/bots/cli/test_doctor.py",  # 6
    "tests/scheduler/test_leadership_faults.py",  # 6, waits
    "tests/bots/stats/test_webhooks_to_stats.py",  # 5
    "tests/bots/feeds/test_poller.py",  # 6, waits
    "tests/bots/console/test_browser.py",  # 5: Chromium
    "tests/scheduler/test_service.py",  # 5.5, waits
    "tests/bots/cli/test_send_dry_run.py",  # 5: four commands in a row
    "tests/core/storage/test_database_faults.py",  # 4.6, waits
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers more than the cores this process may use."""
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
