"""A send that may already have landed: wait until it is settled, look, send, look again.

A send is *in doubt* when it ended without an answer that says what happened (a timeout, a
dropped connection, a crash or a shutdown while it was under way). The platform may still
be working on it and post it after the client stopped waiting, so a look made right after
the failure proves nothing. The rules, for every path that meets a unit in doubt (a retry,
a worker taking over another's units, ``haishin send``):

1. A unit in doubt is *settled* once ``settle`` has passed since its send ended without an
   answer (its client gave up, or its worker was found gone): the longest a platform may
   still carry out a request its client gave up on. A request can't leave after its client
   gave up, so this bound holds however long the call waited before it left. Until then the
   unit waits (``failed``, due at the settle time), and so do its group's later units, so a
   thread keeps its order.
2. Once settled it is looked up (``Publisher.find_sent``), a look newer than the bound; it is
   sent again only when not found.
3. After such a resend it is looked at again: at once, ``settle`` later, then at doubling
   intervals for ``LOOKS_FOR`` settle times, in case the bound was wrong. If two posts carry
   its key, the later is deleted (``Publisher.remove``), counted and recorded.

A platform that de-duplicates resends itself (LINE's ``X-Line-Retry-Key``) needs no wait: a
resend with the same key is safe at once, for as long as the platform honours the key
(``key_window``). Past that, a unit in doubt is handed to the editor, never resent blindly.

Pure: time comes in as arguments, the sender does the I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from core.delivery.retry import surely_not_sent
from core.errors import NetworkError, TimedOut
from core.ledger import Delivery
from core.ports import Settling

__all__ = [
    "Decision",
    "Settling",
    "Step",
    "decide",
    "keep",
    "look_again",
    "retry_at",
    "verify_after",
]

IN_DOUBT = "in_doubt"  # the error code of a unit waiting to settle
KEY_EXPIRED = "retry_key_expired"  # a unit in doubt past its platform's retry-key window
# Failures with no answer (their stored kinds): the request may have reached the platform
# and may still land. A plain retryable failure of no known kind ("failed") counts too.
NO_ANSWER = frozenset({TimedOut.KIND, NetworkError.KIND, "failed", IN_DOUBT})
# A resend must reach the platform this long before its key expires (clock skew, queues).
KEY_GUARD = timedelta(minutes=10)
# Second looks after a resend go on for this many settle times (10 minutes by default).
LOOKS_FOR = 10


class Step(Enum):
    """What to do with a claimed unit."""

    SEND = "send"  # nothing of it can have landed (or the platform de-duplicates): send
    LOOK = "look"  # it may have landed and is settled: look it up, send if missing, verify
    WAIT = "wait"  # it may still land: wait until ``Decision.until``
    ASK_EDITOR = "ask_editor"  # it may have landed and can't be checked or safely resent


@dataclass(frozen=True, slots=True)
class Decision:
    """A ``Step``, with when a wait ends and a reason for the ledger; ``verify``: after a
    resend, look again (the earlier send ended with no answer, so it may land late)."""

    step: Step
    until: datetime | None = None
    reason: str = ""
    verify: bool = False


def in_doubt(row: Delivery) -> bool:
    """True when an earlier attempt of the claimed ``row`` may have landed."""
    if row.previous_state == "sending":  # taken over, or handed back mid-send
        return True
    return row.previous_state == "failed" and not surely_not_sent(row.error_code)


def decide(row: Delivery, now: datetime, settling: Settling) -> Decision:
    """The step for a claimed ``row`` at ``now``."""
    if not in_doubt(row):
        return Decision(Step.SEND)
    if settling.keyed:
        assert settling.key_window is not None
        first = row.first_attempt_at or now
        if now + KEY_GUARD < first + settling.key_window:
            return Decision(Step.SEND, reason="resent with the same retry key")
        hours = settling.key_window.total_seconds() / 3600
        return Decision(
            Step.ASK_EDITOR,
            reason=(
                f"an earlier send may have been delivered, and the platform honours its "
                f"retry key for only {hours:g} h after {first:%Y-%m-%d %H:%M} UTC; not resent "
                "blindly: check whether readers got it, and send it again with `haishin send` "
                "if they did not"
            ),
        )
    if row.previous_state == "sending" and settling.settle > timedelta(0):
        # The send may have left at any moment until now (its worker died or let go).
        return Decision(
            Step.WAIT,
            now + settling.settle,
            f"a send was under way when its worker stopped; it may still land, so it is "
            f"looked up after {settling.settle.total_seconds():g} s before any resend",
        )
    due = row.next_attempt_at
    if (row.error_code or "") in NO_ANSWER and due is not None and now < due:
        return Decision(Step.WAIT, due, "waiting for a send in doubt to settle")
    unanswered = row.previous_state == "sending" or (row.error_code or "") in NO_ANSWER
    return Decision(Step.LOOK, verify=unanswered)


def retry_at(code: str | None, now: datetime, backoff: float, settling: Settling) -> datetime:
    """When to try again after a send that failed ``now``: after ``backoff`` seconds, and
    after one with no answer not before it is settled."""
    at = now + timedelta(seconds=backoff)
    if (code or "") in NO_ANSWER and not settling.keyed:
        return max(at, now + settling.settle)
    return at


def verify_after(now: datetime, settling: Settling) -> datetime:
    """When to look again at a unit resent after a doubt: once a copy sent before it could
    no longer land."""
    return now + settling.settle


def look_again(sent_at: datetime, now: datetime, settling: Settling) -> datetime | None:
    """After a look found nothing (more) to remove, when to look once more: the bound was
    kept if nothing came, but in case it was not, looks go on at doubling intervals until
    ``LOOKS_FOR`` settle times after the resend (``sent_at``); then None."""
    age = now - sent_at
    if settling.settle <= timedelta(0) or age >= settling.settle * LOOKS_FOR:
        return None
    return now + max(settling.settle, age)


def keep(copies: Sequence[str], recorded: str | None = None) -> tuple[str, list[str]]:
    """Of a unit's ``copies`` (refs, oldest first), the one to keep and those to remove.

    The copy the ledger recorded stays when it is among them (later units may be threaded
    under it); otherwise the earliest. Every other copy is a duplicate: the later ones.
    """
    if not copies:
        raise ValueError("keep() needs at least one copy")
    kept = recorded if recorded is not None and recorded in copies else copies[0]
    return kept, [ref for ref in copies if ref != kept]
