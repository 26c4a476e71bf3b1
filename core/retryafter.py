"""The one reader of ``Retry-After`` (RFC 9110 §10.2.3), for every adapter and the feed poller.

A server may say how long to wait as delay-seconds (``120``) or as an HTTP date
(``Wed, 21 Oct 2026 07:28:00 GMT``). The standard library reads the date
(``email.utils.parsedate_to_datetime``); this module only turns either form into seconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["retry_after", "retry_after_seconds"]


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait that a ``Retry-After`` value asks for (0 for a date already past).

    Args:
        value: the header's value, as sent.
        now: the moment a date is counted from (default: now, UTC).

    Returns:
        None when the value is absent or neither form (the caller's own back-off applies).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:  # delay-seconds; a fraction from a lenient server is taken as meant
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # an HTTP date is always GMT, whether or not it says so
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def retry_after(
    headers: Mapping[str, object] | None, *, now: datetime | None = None
) -> float | None:
    """``retry_after_seconds`` of a response's ``Retry-After`` header, whatever its case
    (some clients hand headers over as lists of values: the first counts)."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            if isinstance(value, list | tuple):
                value = value[0] if value else None
            return retry_after_seconds(None if value is None else str(value), now=now)
    return None
