"""``haishin serve --workers 2``: two processes answer on one address, one runs the scheduler."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx

from tests.bots.serve_process import ServeProcess
from tests.bots.test_serve import fresh_env
from tests.conftest import CONTENT, SAMPLE


class WorkersProcess(ServeProcess):
    """``haishin serve --workers N`` as a subprocess."""

    def __init__(self, env: dict[str, str], workdir: Path, workers: int) -> None:
        super().__init__(env, workdir, name="workers")
        self.workers = workers

    def start(self) -> WorkersProcess:
        code = "from bots.cli import main; main()"
        argv = [sys.executable, "-c", code, "serve", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*argv, "--workers", str(self.workers)],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self


async def test_two_workers_both_serve_and_only_one_runs_the_scheduler(
    tmp_path: Path, database_url: str
) -> None:
    content = tmp_path / "content"
    (content / "issues").mkdir(parents=True)
    shutil.copy(CONTENT / "newsletter.toml", content / "newsletter.toml")
    shutil.copy(SAMPLE, content / "issues" / SAMPLE.name)
    env = {**fresh_env(tmp_path), "HAISHIN_DATABASE_URL": database_url}
    serve = WorkersProcess(env, tmp_path, workers=2).start()
    try:
        await serve.healthy()
        await serve.wait_log("scheduler: this process leads")
        await serve.wait_log("already runs the scheduler")
        # One process ingests the content folder (and says so once); the other knows it.
        await serve.wait_log("content: 1 files")
        await serve.wait_log("content: worker 1 of this serve watches")
        answered_by: Counter[int] = Counter()
        for _ in range(40):
            # A new connection each time: the kernel spreads connections over the workers.
            async with httpx.AsyncClient(base_url=serve.url) as http:
                health = (await http.get("/healthz")).json()
            assert health["database"] == "ok"
            answered_by[health["pid"]] += 1
        assert len(answered_by) == 2, answered_by
        assert serve.process is not None and serve.process.pid not in answered_by

        log = serve.log()
        assert log.count("scheduler: this process leads") == 1
        assert log.count("already runs the scheduler") == 1
        assert log.count("content: 1 files") == 1
        assert log.count("content: worker 1 of this serve watches") == 1
        assert await serve.terminate() == 0
        assert not [pid for pid in answered_by if _alive(pid)], "a worker was left running"
    finally:
        serve.stop_quietly()


def _alive(pid: int) -> bool:
    try:
        return " Z " not in Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
