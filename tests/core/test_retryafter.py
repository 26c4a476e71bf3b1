"""One reader of Retry-After for Slack, LINE and the feed poller: seconds or an HTTP date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.retryafter import retry_after, retry_after_seconds

NOW = datetime(2026, 10, 21, 7, 28, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 30 ", 30.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("Wed, 21 Oct 2026 07:30:00 GMT", 120.0),  # IMF-fixdate
        ("Wednesday, 21-Oct-26 07:29:00 GMT", 60.0),  # obsolete RFC 850 form
        ("Wed Oct 21 07:28:30 2026", 30.0),  # asctime, no zone: GMT
        ("Wed, 21 Oct 2026 07:00:00 GMT", 0.0),  # already past: no wait
        (None, None),
        ("", None),
        ("-5", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_seconds_and_dates(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds


def test_the_header_is_found_whatever_its_case_and_shape() -> None:
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert retry_after({"retry-after": ["9"]}) == 9.0  # some clients give lists
    assert retry_after({"content-type": "application/json"}) is None
    assert retry_after(None) is None
