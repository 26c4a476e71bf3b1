"""The one error hierarchy of haishin. Adapters translate SDK exceptions into it."""

from __future__ import annotations


class HaishinError(Exception):
    """Root of every error haishin raises on purpose."""


class ConfigError(HaishinError):
    """A setting or profile is wrong; the message says what and how to fix it."""


class ContentError(HaishinError):
    """An issue file cannot be read or understood.

    Args:
        message: what is wrong.
        path: the file concerned, when there is one.
        line: the 1-based line, when one applies.
        hint: how to fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"


class SearchQueryError(HaishinError, ValueError):
    """A search the database could not run as asked (an FTS or tsquery syntax error): the
    reader's words, not a failure of ours."""


class NotFound(HaishinError, LookupError):
    """Something asked for by a person (an issue, a section, a subscription) does not exist."""


class DeliveryError(HaishinError):
    """A platform refused or failed a send.

    Args:
        message: what happened, in words an operator understands.
        platform: ``slack`` or ``line``.
        retryable: True when the same send may succeed later (429, 5xx, timeouts).
        retry_after: seconds the platform asked us to wait, when it said.
        code: the platform's error code (``channel_not_found``, ``429``...).
    """

    def __init__(
        self,
        message: str,
        *,
        platform: str,
        retryable: bool,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.platform = platform
        self.retryable = retryable
        self.retry_after = retry_after
        self.code = code
        super().__init__(message)
