"""The attempt state machine: when a unit in doubt waits, is looked up, resent, or handed over."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.clock import FixedClock
from core.delivery.attempt import (
    IN_DOUBT,
    Decision,
    Settling,
    Step,
    decide,
    keep,
    look_again,
    retry_at,
    verify_after,
)
from core.ledger import Delivery, State

START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
SLACK = Settling(timedelta(seconds=60))
LINE = Settling(timedelta(0), key_window=timedelta(hours=24))


def row(previous: State | None, code: str | None = None, **changes: object) -> Delivery:
    base = Delivery(
        id="5f0c8c1e-8a7e-4a55-9d55-1d2a1f3c9b10",
        subscription_id=1,
        issue_id=1,
        batch=0,
        unit="parent",
        position=0,
        revision=1,
        state="sending",
        attempts=1,
        next_attempt_at=None,
        last_error=None,
        error_code=code,
        sent_ref=None,
        claimed_by="w",
        created_at=START,
        updated_at=START,
        previous_state=previous,
        first_attempt_at=START,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_first_attempt_or_a_refused_one_is_simply_sent() -> None:
    assert decide(row("pending"), START, SLACK).step is Step.SEND
    assert decide(row("failed", "ratelimited"), START, SLACK).step is Step.SEND


def test_a_timeout_is_retried_only_once_settled_counted_from_when_the_client_gave_up() -> None:
    clock = FixedClock(START)
    clock.advance(timedelta(seconds=15))  # the client's timeout
    now = clock.now()
    assert retry_at("timeout", now, 0.4, SLACK) == now + timedelta(seconds=60)  # not 0.4 s
    assert retry_at("network", now, 0.4, SLACK) == now + timedelta(seconds=60)
    # A long backoff still wins; an answered failure waits only its backoff.
    assert retry_at("timeout", now, 300, SLACK) == now + timedelta(seconds=300)
    assert retry_at("unavailable", now, 0.4, SLACK) == now + timedelta(seconds=0.4)
    # LINE de-duplicates the resend itself: no wait.
    assert retry_at("timeout", now, 0.4, LINE) == now + timedelta(seconds=0.4)


def test_a_settled_timeout_is_looked_up_and_an_early_claim_waits() -> None:
    due = START + timedelta(seconds=60)
    timed_out = row("failed", "timeout", next_attempt_at=due)
    early = decide(timed_out, due - timedelta(seconds=1), SLACK)
    assert early.step is Step.WAIT and early.until == due
    assert decide(timed_out, due, SLACK) == Decision(Step.LOOK, verify=True)
    # An answered failure (a 500 from Slack itself) is over: looked up at once, and a resend
    # needs no second look (nothing of the first can land later).
    assert decide(row("failed", "unavailable"), START, SLACK) == Decision(Step.LOOK)


def test_a_unit_taken_over_mid_send_settles_from_the_takeover() -> None:
    clock = FixedClock(START + timedelta(minutes=3))
    decision = decide(row("sending"), clock.now(), SLACK)
    assert decision.step is Step.WAIT
    assert decision.until == clock.now() + timedelta(seconds=60)
    # After the wait it comes back as a failed row in doubt, due then: looked up.
    clock.advance(timedelta(seconds=60))
    waited = row("failed", IN_DOUBT, next_attempt_at=decision.until)
    assert decide(waited, clock.now(), SLACK).step is Step.LOOK
    # A platform that answers every request it carries out needs no wait.
    assert decide(row("sending"), clock.now(), Settling(timedelta(0))).step is Step.LOOK


def test_line_resends_with_its_key_within_24_hours_and_asks_the_editor_after() -> None:
    clock = FixedClock(START)
    clock.advance(timedelta(hours=23))
    assert decide(row("sending"), clock.now(), LINE).step is Step.SEND
    assert decide(row("failed", "timeout"), clock.now(), LINE).step is Step.SEND
    clock.advance(timedelta(minutes=55))  # too close to the key's end to be sure
    late = decide(row("failed", "timeout"), clock.now(), LINE)
    assert late.step is Step.ASK_EDITOR
    assert "haishin send" in late.reason
    # A unit that surely never reached LINE is sent, whatever its age.
    refused = row("failed", "ratelimited")
    assert decide(refused, clock.now() + timedelta(days=3), LINE).step is Step.SEND


def test_the_recorded_copy_stays_else_the_earliest() -> None:
    assert keep(["C1:1.000001", "C1:1.000007"]) == ("C1:1.000001", ["C1:1.000007"])
    assert keep(["C1:1.000001", "C1:1.000007"], "C1:1.000007") == (
        "C1:1.000007",
        ["C1:1.000001"],
    )
    assert keep(["C1:1.000001"], "C1:9") == ("C1:1.000001", [])
    with pytest.raises(ValueError):
        keep([])
    assert verify_after(START, SLACK) == START + timedelta(seconds=60)


def test_second_looks_go_on_at_doubling_intervals_for_ten_settle_times() -> None:
    sent = START
    looks = []
    at: datetime | None = verify_after(sent, SLACK)
    while at is not None:
        looks.append(int((at - sent).total_seconds()))
        at = look_again(sent, at, SLACK)
    assert looks == [60, 120, 240, 480, 960]
    assert look_again(sent, sent, Settling(timedelta(0))) is None
