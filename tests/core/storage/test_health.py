"""WriteHealth: one state per writer, pauses that grow to a cap, one log line per change."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from core.storage.health import WriteHealth, classify, is_database_fault
from tests.fakes.clock import FakeTime


def test_pauses_double_to_the_cap_and_the_log_has_one_line_per_change(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeTime(100.0)
    health = WriteHealth(base=0.5, cap=30.0, monotonic=clock)
    refused = sqlite3.OperationalError("attempt to write a readonly database")
    with caplog.at_level(logging.WARNING, logger="haishin.storage"):
        pauses = [health.failed("cursors", refused) for _ in range(10)]
        assert pauses == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]
        assert (health.state, health.reason) == (
            "read-only",
            "attempt to write a readonly database",
        )
        health.failed("heartbeat", sqlite3.IntegrityError("database or disk is full"))
        assert health.state == "read-only"  # the worst of them
        clock.advance(42)
        assert health.failing()["cursors"] == {
            "state": "read-only",
            "failures": 10,
            "seconds": 42.0,
        }
        health.succeeded("cursors")
        health.succeeded("cursors")  # working all along: nothing to say
        assert health.state == "failing"  # type: ignore[comparison-overlap]
        health.succeeded("heartbeat")
        assert (health.state, health.reason, health.failing()) == ("ok", None, {})
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4
    assert lines[0].startswith("database writes failing (cursors): attempt to write a readonly")
    assert lines[2].startswith("database writes work again (cursors) after 42 s and 10 failed")


def test_a_missing_file_outranks_everything_and_is_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = WriteHealth()
    with caplog.at_level(logging.WARNING, logger="haishin.storage"):
        for _ in range(3):
            health.file_missing("the database file /x/haishin.db was deleted")
        assert health.state == "missing"
        health.file_missing(None)
        health.file_missing(None)
    assert health.state == "ok"  # type: ignore[comparison-overlap]
    assert [r.levelname for r in caplog.records] == ["ERROR", "WARNING"]


def test_what_counts_as_read_only() -> None:
    assert classify(sqlite3.OperationalError("attempt to write a readonly database"))[0] == (
        "read-only"
    )
    assert classify(sqlite3.OperationalError("database or disk is full"))[0] == "failing"


def test_what_counts_as_the_databases_fault() -> None:
    from sqlalchemy.exc import OperationalError, ProgrammingError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    gone = sqlite3.OperationalError("unable to open database file")
    assert is_database_fault(OperationalError("SELECT 1", {}, gone))
    assert is_database_fault(gone)
    assert is_database_fault(PoolTimeout("QueuePool limit reached"))
    assert is_database_fault(TimeoutError())
    mistake = sqlite3.ProgrammingError("Incorrect number of bindings supplied")
    assert not is_database_fault(ProgrammingError("SELECT ?", {}, mistake))
    assert not is_database_fault(KeyError("channel"))


def test_a_database_fault_is_one_line_and_a_mistake_keeps_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = WriteHealth()
    with caplog.at_level(logging.DEBUG, logger="haishin.storage"):
        for _ in range(3):
            assert health.absorbed("sends", sqlite3.OperationalError("disk I/O error"))
        assert not health.absorbed("sends", KeyError("channel"))  # the caller's to log
        health.failed("cursors", KeyError("channel"))
    loud = [(r.getMessage(), bool(r.exc_info)) for r in caplog.records if r.levelno > 10]
    assert loud == [
        (
            "database writes failing (sends): disk I/O error; retrying with pauses up to 30 s, "
            "logged again when it changes",
            False,
        ),
        (
            "failed unexpectedly (cursors): 'channel'; retrying with pauses up to 30 s, "
            "logged again when it changes",
            True,
        ),
    ]
    assert [r.levelno for r in caplog.records if r.exc_info] == [logging.DEBUG, logging.ERROR]
    assert health.failing()["sends"]["failures"] == 3
