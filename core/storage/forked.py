"""Run a piece of work in a forked child process, and wait for it without blocking the loop.

What the child imports stays in the child. ``Database.migrate(apart=True)`` uses it so that a
long-lived ``haishin serve`` never holds Alembic, Mako and Pygments (about 10 MB of code it
would keep for its whole life) after upgrading a database at start. A fork, not a fresh
interpreter: the child starts with everything the parent has loaded, so it costs no second
start-up. Python's ``multiprocessing`` can fork too, but it would run the work in its own
bootstrap and pickle a result we don't need; a pipe and ``waitpid`` are all this takes.
"""

from __future__ import annotations

import asyncio
import os
import pickle
from collections.abc import Callable

CAN_FORK = hasattr(os, "fork")


class ChildFailed(RuntimeError):
    """The child ended without saying why (killed by a signal, or its error could not be
    pickled); the message says what is known."""


async def run_forked(work: Callable[[], object]) -> None:
    """Call ``work()`` in a forked child and wait for it to end.

    The child touches nothing of the parent's event loop and ends with ``os._exit``: no
    ``atexit`` handlers, no flushing of the parent's buffers, no finalizers of inherited
    connections. Close pooled connections (and the threads behind them) before calling.

    Raises:
        BaseException: what ``work`` raised in the child, unpickled in the parent.
        ChildFailed: the child died otherwise.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child's lines are measured by nothing)
        os.close(read_end)
        status = 0
        try:
            work()
        except BaseException as exc:  # everything goes back to the parent
            status = 1
            left = memoryview(_pickled(exc))
            while left:
                left = left[os.write(write_end, left) :]
        finally:
            os._exit(status)
    os.close(write_end)
    loop = asyncio.get_running_loop()
    payload, status = await loop.run_in_executor(None, _collect, read_end, pid)
    if status == 0:
        return
    if payload:
        raise pickle.loads(payload)  # our own child's bytes, over our own pipe
    raise ChildFailed(f"the child process ended with status {status} and said nothing")


def _pickled(exc: BaseException) -> bytes:
    try:
        payload = pickle.dumps(exc)
        pickle.loads(payload)  # some pickle but can't be rebuilt
    except Exception:
        payload = pickle.dumps(ChildFailed(f"{type(exc).__name__}: {exc}"))
    return payload


def _collect(read_end: int, pid: int) -> tuple[bytes, int]:
    """Everything the child wrote, then its exit status (a signal's number, negated)."""
    chunks = []
    with os.fdopen(read_end, "rb") as pipe:
        while chunk := pipe.read(65536):
            chunks.append(chunk)
    _, raw = os.waitpid(pid, 0)
    return b"".join(chunks), os.waitstatus_to_exitcode(raw)
