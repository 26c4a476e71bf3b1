"""The log's last line of defence: tokens and configured secrets are masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bots.logs import MASK, configure_logging


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    root = logging.getLogger()
    names = ("slack_sdk", "sqlalchemy")
    saved = root.handlers[:], root.level, [logging.getLogger(n).level for n in names]
    yield
    root.handlers[:], level, levels = saved
    root.setLevel(level)
    for name, old in zip(names, levels, strict=True):
        logging.getLogger(name).setLevel(old)


@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_tokens_and_secrets_are_masked_in_every_format(fmt: str) -> None:
    stream = io.StringIO()
    configure_logging(fmt, "DEBUG", secrets=("line-channel-access-token-123", None, "short"))  # type: ignore[arg-type]
    root = logging.getLogger()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    log = logging.getLogger("some.library")
    log.debug("answer: %s", {"access_token": "xoxb-123-456-abc", "refresh": "xoxe.xoxb-1-Zz9"})
    try:
        raise RuntimeError("Bearer line-channel-access-token-123 refused")
    except RuntimeError:
        log.exception("call failed")
    out = stream.getvalue()
    assert "xoxb-123" not in out and "xoxe.xoxb" not in out
    assert "line-channel-access-token-123" not in out
    assert out.count(MASK) == 4  # the two tokens, the message, the source line quoted
    if fmt == "json":
        assert all(json.loads(line) for line in out.splitlines() if line.startswith("{"))
    # Libraries that print bodies at DEBUG stay at INFO; SQLAlchemy keeps its WARNING.
    assert logging.getLogger("slack_sdk").getEffectiveLevel() == logging.INFO
    assert logging.getLogger("sqlalchemy").getEffectiveLevel() >= logging.WARNING
