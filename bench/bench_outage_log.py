"""What a database outage costs the log: one delivery worker mid-fan-out, its database gone.

Run: ``uv run python bench/bench_outage_log.py [--channels 100] [--down 10]``

One delivery worker sends the sample issue (7 posts) to ``--channels`` Slack channels (the
fake Slack API, one post a second per channel, in real time) on a PostgreSQL of its own
(``initdb``, its own port: never the machine's shared server). Once a third of the posts are
in, the server is stopped (``pg_ctl stop -m fast``) for ``--down`` seconds and started
again. At the end: every post sent once, the wall time, and what the log (INFO and up)
holds: lines, entries, tracebacks, and the warnings and errors themselves.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import random
import time
from datetime import timedelta

from bots.slack.publisher import SlackPublisher
from bots.slack.render import SlackRenderer
from bots.slack.tokens import StaticToken
from core.clock import SystemClock
from core.delivery import (
    DeliveryStores,
    DeliveryWorker,
    Fanout,
    Publishing,
    RetryPolicy,
)
from core.ingest import ingest_paths
from core.profile import load_profile
from core.ratelimit import KeyedRateLimiter
from core.storage import SubscriptionRepository
from core.storage.database import Database
from core.storage.delivery_ledger import DeliveryLedgerRepository
from tests.conftest import CONTENT, SAMPLE
from tests.fakes.pgserver import available, own_postgres
from tests.fakes.slack_api import FakeSlackAPI

FINISH_WITHIN = 300.0


async def run(channels: int, down: float) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    profile = load_profile(CONTENT / "newsletter.toml")
    clock = SystemClock()
    with own_postgres() as pg, FakeSlackAPI() as slack:
        db = Database.from_url(pg.url())
        await db.migrate()
        await ingest_paths([SAMPLE], profile=profile, db=db, content_dir=CONTENT, clock=clock)
        publisher = SlackPublisher(
            SlackRenderer(profile),
            profile,
            StaticToken(slack.token),
            base_url=slack.url,
            limiter=KeyedRateLimiter(1.0, 1),
            timeout=5,
        )
        fanout = Fanout(profile.name, {"slack": publisher}, {})
        subscriptions = SubscriptionRepository(db, clock=clock)
        for n in range(channels):
            await subscriptions.add(
                platform="slack", workspace="T0001", target=f"C{n:04d}", starts_after=0
            )
        # The sample issue is from 2025: handed over however old it is.
        publishing = Publishing(db, fanout, clock=clock, catch_up=timedelta(days=100_000))
        await publishing.publish(1)
        handover = await publishing.hand_over_on_publish()
        total = handover.rows if handover else 0
        worker = DeliveryWorker(
            DeliveryStores.over(db, clock=clock),
            fanout,
            clock=clock,
            policy=RetryPolicy(rng=random.Random(3)),
        )
        third = asyncio.Event()
        sent = 0

        def count(_row: object, state: str) -> None:
            nonlocal sent
            sent += state == "sent"
            if sent >= total // 3:
                third.set()

        worker.on_unit = count
        began = time.monotonic()
        await worker.start()
        await third.wait()
        await asyncio.to_thread(pg.stop, "fast")
        await asyncio.sleep(down)
        await asyncio.to_thread(pg.start)
        ledger = DeliveryLedgerRepository(db)
        states: set[str] = set()
        while time.monotonic() - began < FINISH_WITHIN and states != {"sent"}:
            await asyncio.sleep(1)
            try:
                states = {row.state for row in await ledger.rows()}
            except Exception:  # still coming back
                states = set()
        wall = time.monotonic() - began
        await worker.stop()
        await publisher.close()
        await db.dispose()
        stats = slack.stats()
    log = stream.getvalue()
    entries = [line for line in log.splitlines() if line[:4].isdigit()]
    print(
        f"channels {channels}, posts {total}, database down {down:.0f} s: wall {wall:.1f} s, "
        f"posted {stats['messages']}, duplicates {stats['duplicates']}, all sent "
        f"{states == {'sent'}}; log: {log.count(chr(10))} lines, {len(entries)} entries, "
        f"{log.count('Traceback (most recent call last)')} tracebacks"
    )
    for line in entries:
        if " ERROR " in line or " WARNING " in line:
            print("  ", line[24:220])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--down", type=float, default=10.0, help="seconds the database is away")
    args = parser.parse_args()
    reason = available()
    if reason:
        raise SystemExit(f"no PostgreSQL of the benchmark's own: {reason}")
    asyncio.run(run(args.channels, args.down))


if __name__ == "__main__":
    main()
