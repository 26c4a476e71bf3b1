"""The one error hierarchy of haishin. Adapters translate SDK exceptions into it."""

from __future__ import annotations

from typing import ClassVar


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

    Adapters raise the subclass that says what happened (in the style of
    python-telegram-bot's ``telegram.error``), and delivery decides from the type, never from
    a platform's error code. A plain ``DeliveryError`` is a failure of no known kind: retried
    when ``retryable``, else the audience is refused and its subscription pauses.

    Args:
        message: what happened, in words an operator understands.
        platform: the platform's key (``slack``, ``line``).
        retryable: True when the same send may succeed later (429, 5xx, timeouts).
        retry_after: seconds the platform asked us to wait, when it said.
        code: the platform's own error code (``channel_not_found``, ``429``...), for people.
    """

    #: What the ledger stores as the failure's code: the kind, not the platform's words.
    KIND: ClassVar[str | None] = None
    #: The platform surely sent nothing (a refusal before acting): no need to look first.
    SENT_NOTHING: ClassVar[bool] = False

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

    @property
    def kind(self) -> str:
        """The failure's kind (``ratelimited``, ``message_rejected``...): what is stored."""
        return self.KIND or ("failed" if self.retryable else "refused")


class RetryAfter(DeliveryError):
    """Too many requests (HTTP 429): nothing was sent; try again after ``retry_after``."""

    KIND = "ratelimited"
    SENT_NOTHING = True

    def __init__(
        self,
        message: str,
        *,
        platform: str,
        retry_after: float | None,
        code: str | None = None,
    ) -> None:
        super().__init__(
            message, platform=platform, retryable=True, retry_after=retry_after, code=code
        )


class Unavailable(DeliveryError):
    """The platform failed (a 5xx, an internal error): retry; it may have acted, so the
    next attempt looks first."""

    KIND = "unavailable"

    def __init__(
        self,
        message: str,
        *,
        platform: str,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(
            message, platform=platform, retryable=True, retry_after=retry_after, code=code
        )


class NetworkError(DeliveryError):
    """The connection failed or dropped: retry; the send may have landed, so look first."""

    KIND = "network"

    def __init__(self, message: str, *, platform: str, code: str | None = None) -> None:
        super().__init__(message, platform=platform, retryable=True, code=code)


class TimedOut(NetworkError):
    """No answer in time: retry; the send may have landed, so look first."""

    KIND = "timeout"


class _Permanent(DeliveryError):
    def __init__(self, message: str, *, platform: str, code: str | None = None) -> None:
        super().__init__(message, platform=platform, retryable=False, code=code)


class MessageRejected(_Permanent):
    """The platform refused this message (its content or shape, a unit that no longer
    exists): that message is given up, the audience's other messages go on."""

    KIND = "message_rejected"


class AudienceGone(_Permanent):
    """The conversation can't be reached (channel archived or gone, not a member, a friend
    who blocked): its subscription pauses until a person acts."""

    KIND = "audience_gone"


class TokenDead(_Permanent):
    """The credentials no longer work (revoked, uninstalled): every subscription behind them
    pauses until the app is installed again."""

    KIND = "token_dead"


class QuotaExhausted(_Permanent):
    """The platform's message quota is used up: nothing was sent, the subscription pauses."""

    KIND = "quota_exhausted"
    SENT_NOTHING = True
