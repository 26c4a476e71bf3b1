"""What ``haishin serve`` (a subprocess, on the sample whose issue is long past) tells an
editor (issue 16): "serving on" once it listens, why no subscription got an issue, and a
scheduler lag that is not the sample's age."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.bots.cli.process import sandbox
from tests.bots.serve_process import ServeProcess


async def test_serve_says_what_it_does_when_it_does_it(tmp_path: Path) -> None:
    env = sandbox(tmp_path)
    serve = ServeProcess({**env, "HAISHIN_ADMIN_TOKEN": ""}, tmp_path).start()
    try:
        await serve.wait_log("haishin serving on", within=180)
        # Logged once it listens: the very next request is answered, no retry needed.
        async with httpx.AsyncClient(timeout=10) as client:
            assert (await client.get(f"{serve.url}/healthz")).status_code == 200
            await serve.wait_log("subscription(s) got it")
            said = serve.log()
            assert "publication of issue 1: published [1]; 0 subscription(s) got it (" in said
            assert "more than 3 day(s) ago" in said and "HAISHIN_CATCH_UP_DAYS" in said
            assert "`haishin send 1 --to TARGET` sends it anyway" in said
            metrics = (await client.get(f"{serve.url}/metrics")).text
        lag = re.search(r"^haishin_scheduler_lag_seconds (\S+)$", metrics, re.MULTILINE)
        assert lag is not None
        # The sample's publication was overdue when its job was placed: catch-up work, not
        # lateness of the scheduler (it would read 400-odd days otherwise).
        assert float(lag[1]) < 3600
    finally:
        serve.stop_quietly()
