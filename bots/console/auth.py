"""Who may open the console, and proof that a form was posted from it.

Without ``HAISHIN_ADMIN_TOKEN`` the console answers loopback clients only (``serve`` refuses
any other address then, see ``require_token_for``). With a token, every console request needs
it: an ``Authorization: Bearer`` header, or the signed session cookie the login form sets.

Forms carry a CSRF token tied to a random cookie (a signed double-submit token): a page from
another site can neither read the cookie nor compute the token, and the cookie is
``SameSite=Strict`` besides. Requests made with a bearer header need no CSRF token, since a
browser never adds that header by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from bots.settings import Settings
from core.clock import Clock
from core.errors import ConfigError

SESSION_COOKIE = "haishin_console"
CSRF_COOKIE = "haishin_csrf"
CSRF_FIELD = "csrf"
SESSION_LIFETIME = timedelta(days=7)
MIN_TOKEN_CHARS = 16
# Login attempts per client address before it must wait.
LOGIN_ATTEMPTS = 10
LOGIN_WINDOW = timedelta(minutes=10)
_TRACKED_CLIENTS = 1024
_TOKEN_HINT = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def is_loopback(host: str) -> bool:
    """True for an address or name that only this machine can reach."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def require_token_for(host: str, settings: Settings) -> None:
    """Refuse to serve the console on a reachable address without a strong admin token.

    Args:
        host: the address ``serve`` will listen on.
        settings: where ``HAISHIN_ADMIN_TOKEN`` is read from.

    Raises:
        ConfigError: ``host`` is not a loopback address and the token is unset or short.
    """
    if is_loopback(host):
        return
    token = settings.admin_token or ""
    if not token:
        raise ConfigError(
            f"refusing to listen on {host}: the console would be open to anyone who can "
            "reach it. Set HAISHIN_ADMIN_TOKEN (e.g. the output of "
            f"{_TOKEN_HINT}), or listen on 127.0.0.1 and put a proxy in front"
        )
    if len(token) < MIN_TOKEN_CHARS:
        raise ConfigError(
            f"refusing to listen on {host}: HAISHIN_ADMIN_TOKEN is {len(token)} characters; "
            f"use at least {MIN_TOKEN_CHARS} (e.g. the output of {_TOKEN_HINT})"
        )


@dataclass(frozen=True, slots=True)
class Access:
    """The outcome of checking a request: allowed, or why not (shown to the person)."""

    allowed: bool
    reason: str = ""
    login: bool = False  # True when logging in would help


class ConsoleGuard:
    """Checks console requests and issues session and CSRF tokens.

    Args:
        settings: ``admin_token`` switches the login on.
        clock: decides when a session expires.
        secret: signing key when there is no token (tests); a random one by default, so
            forms of an earlier process are refused after a restart.
    """

    def __init__(self, settings: Settings, clock: Clock, *, secret: bytes | None = None) -> None:
        self.token = settings.admin_token or None
        self.clock = clock
        if self.token:
            # Derived from the token: changing the token ends every session.
            seed = self.token.encode("utf-8")
            self._key = hmac.new(seed, b"haishin-console-v1", hashlib.sha256).digest()
        else:
            self._key = secret or secrets.token_bytes(32)
        self._failures: OrderedDict[str, list[float]] = OrderedDict()

    @property
    def login_required(self) -> bool:
        """True when the console asks for the admin token."""
        return self.token is not None

    # ---- access ------------------------------------------------------------------------

    def check(self, request: Request) -> Access:
        """May this request see the console?"""
        if self.token is None:
            client = request.client.host if request.client else ""
            if is_loopback(client):
                return Access(True)
            return Access(
                False,
                "The console answers only this machine while HAISHIN_ADMIN_TOKEN is unset.",
            )
        if self.bearer(request):
            return Access(True)
        if self._valid_session(request.cookies.get(SESSION_COOKIE, "")):
            return Access(True)
        return Access(False, "Sign in with the admin token.", login=True)

    def bearer(self, request: Request) -> bool:
        """True when the request carries the admin token as a bearer header."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if self.token is None or scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(value.strip().encode(), self.token.encode())

    def token_matches(self, candidate: str) -> bool:
        """True when a typed token is the admin token (compared in constant time)."""
        if self.token is None:
            return False
        return hmac.compare_digest(candidate.strip().encode(), self.token.encode())

    def start_session(self, response: Response, request: Request) -> None:
        """Set the signed session cookie on a response (after a good login)."""
        expires = int((self.clock.now() + SESSION_LIFETIME).timestamp())
        body = f"v1.{expires}.{secrets.token_hex(16)}"
        response.set_cookie(
            SESSION_COOKIE,
            f"{body}.{self._sign('session', body)}",
            max_age=int(SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    def end_session(self, response: Response) -> None:
        """Clear the session cookie."""
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")

    def _valid_session(self, cookie: str) -> bool:
        body, _, signature = cookie.rpartition(".")
        parts = body.split(".")
        if len(parts) != 3 or parts[0] != "v1" or not parts[1].isdigit():
            return False
        if not hmac.compare_digest(signature, self._sign("session", body)):
            return False
        return int(parts[1]) > self.clock.now().timestamp()

    # ---- login throttling -------------------------------------------------------------

    def login_blocked(self, request: Request) -> bool:
        """True when this client has failed to log in too often lately."""
        return len(self._recent_failures(_client(request))) >= LOGIN_ATTEMPTS

    def login_failed(self, request: Request) -> None:
        """Count a failed login of this client."""
        client = _client(request)
        self._failures[client] = [*self._recent_failures(client), self.clock.now().timestamp()]
        self._failures.move_to_end(client)
        while len(self._failures) > _TRACKED_CLIENTS:
            self._failures.popitem(last=False)

    def _recent_failures(self, client: str) -> list[float]:
        since = (self.clock.now() - LOGIN_WINDOW).timestamp()
        return [at for at in self._failures.get(client, []) if at > since]

    # ---- CSRF ----------------------------------------------------------------------------

    def csrf(self, request: Request) -> tuple[str, str | None]:
        """The CSRF token for this browser's forms, and a new cookie nonce to set, if needed."""
        nonce = request.cookies.get(CSRF_COOKIE, "")
        fresh = None
        if not _good_nonce(nonce):
            nonce = fresh = secrets.token_hex(16)
        return self._sign("csrf", nonce), fresh

    def set_csrf_cookie(self, response: Response, nonce: str, request: Request) -> None:
        """Set the cookie a page's CSRF token is tied to."""
        response.set_cookie(
            CSRF_COOKIE,
            nonce,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    def csrf_ok(self, request: Request, submitted: str) -> bool:
        """True when a posted form carries this browser's CSRF token and comes from here."""
        if self.bearer(request):
            return True
        if not _same_origin(request):
            return False
        nonce = request.cookies.get(CSRF_COOKIE, "")
        if not _good_nonce(nonce) or not submitted:
            return False
        return hmac.compare_digest(submitted, self._sign("csrf", nonce))

    def conversation(self, request: Request) -> str | None:
        """A stable id for this browser's chat (so "next" continues), or None without one."""
        nonce = request.cookies.get(CSRF_COOKIE, "")
        return f"console:{self._sign('chat', nonce)[:24]}" if _good_nonce(nonce) else None

    def _sign(self, purpose: str, value: str) -> str:
        message = f"{purpose}:{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def _good_nonce(nonce: str) -> bool:
    return len(nonce) == 32 and all(c in "0123456789abcdef" for c in nonce)


def _same_origin(request: Request) -> bool:
    # Browsers send Origin on every POST; where it is absent (old clients) the token decides.
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin != "null" and urlsplit(origin).netloc.lower() == host.lower()


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"
