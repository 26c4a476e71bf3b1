"""Log set-up: plain lines for people, JSON lines for log collectors.

Even at ``HAISHIN_LOG_LEVEL=DEBUG`` no credential reaches the log: the libraries that log
request and response bodies or SQL values at DEBUG (slack_sdk prints ``oauth.v2.access``
answers, tokens included) stay at INFO, every engine hides SQL parameters, and whatever
still gets through has Slack tokens and the configured secrets masked (``Redacting``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

from bots.redact import RedactUrls

# Third-party loggers whose DEBUG lines carry bodies, headers or SQL values.
BODY_LOGGERS = (
    "slack_sdk",
    "slack_bolt",
    "aiohttp",
    "httpx",
    "httpcore",
    "urllib3",
    "sqlalchemy",
)
_SLACK_TOKEN = re.compile(r"\bxox(?:[a-z]|e\.xox[a-z])-[0-9A-Za-z-]+")
MASK = "[redacted]"


class Redacting(logging.Formatter):
    """Formats with ``inner``, then masks Slack tokens and the given secrets."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.inner = inner
        # Long secrets first, so one that contains another is masked whole.
        known = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)
        self._secrets = re.compile("|".join(map(re.escape, known))) if known else None

    def format(self, record: logging.LogRecord) -> str:
        text = _SLACK_TOKEN.sub(MASK, self.inner.format(record))
        return self._secrets.sub(MASK, text) if self._secrets is not None else text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and exception text."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    fmt: Literal["plain", "json"] = "plain",
    level: str = "INFO",
    secrets: Iterable[str | None] = (),
) -> None:
    """Route all logging to stderr in the chosen format; ``secrets`` (tokens, signing
    secrets, keys) are masked wherever they would appear."""
    handler = logging.StreamHandler()
    inner = (
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    )
    handler.setFormatter(Redacting(inner, secrets))
    handler.addFilter(RedactUrls())  # no URL's credentials or query, from any logger
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in BODY_LOGGERS:  # never below INFO; SQLAlchemy at its own WARNING (its INFO
        # echoes every statement), set here since it may be imported after this runs
        logger = logging.getLogger(name)
        floor = logging.WARNING if name == "sqlalchemy" else logging.INFO
        logger.setLevel(max(logger.getEffectiveLevel(), floor))
    # Chatty libraries: their INFO lines are noise next to ours.
    for name in ("httpx", "aiohttp.access", "apscheduler.executors.default"):
        logging.getLogger(name).setLevel(logging.WARNING)
