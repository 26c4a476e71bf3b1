"""Who may open the console (and see the details of ``/healthz`` and ``/metrics``), and proof
that a form was posted from it.

Without ``HAISHIN_ADMIN_TOKEN`` the console answers loopback clients only (``serve`` refuses
any other address then, see ``hosts.require_token_for``), and only requests that name this
machine in their ``Host`` (see ``hosts``: DNS rebinding). With a token, every console request
needs it: an ``Authorization: Bearer`` header, or the session cookie the sign-in form sets.
Sessions live in the database, so signing out ends one at once, in every process. Wrong
tokens count against one limit per client address, however they were presented (``lockout``).

Forms carry a CSRF token tied to a random cookie (a signed double-submit token): a page from
another site can neither read the cookie nor compute the token, and the cookie is
``SameSite=Strict`` besides. Requests made with a bearer header need no CSRF token, since a
browser never adds that header by itself.

Signing is itsdangerous's (HMAC-SHA256, one salt per purpose): the session cookie carries the
session id signed, so a forged cookie is refused without a database query; the session itself
stays server-side (``console_sessions``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from itsdangerous import BadSignature, Signer
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bots.console.hosts import is_loopback, names_this_machine, public_host
from bots.console.lockout import Lockout
from bots.settings import Settings
from core.clock import Clock
from core.storage.database import Database
from core.storage.sessions import ConsoleSessions

log = logging.getLogger("haishin.console")

SESSION_COOKIE = "haishin_console"
CSRF_COOKIE = "haishin_csrf"
CSRF_FIELD = "csrf"
SESSION_LIFETIME = timedelta(days=7)
_SESSION_ID_CHARS = 43  # secrets.token_urlsafe(32)
_URLSAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True, slots=True)
class Access:
    """The outcome of checking a request: allowed, or why not (shown to the person)."""

    allowed: bool
    reason: str = ""
    status: int = 200
    login: bool = False  # True when signing in would help
    retry_after: int = 0  # seconds, when too many wrong tokens came from this address


ALLOWED = Access(True)


class ConsoleGuard:
    """Checks console requests and issues session and CSRF tokens.

    Args:
        settings: ``admin_token`` switches the sign-in on; ``public_url`` names one more host.
        clock: decides when a session expires and a lockout ends.
        db: where sessions are kept.

    Without a token, forms are signed with a random key: those of an earlier process are
    refused after a restart.
    """

    def __init__(self, settings: Settings, clock: Clock, db: Database) -> None:
        self.token = settings.admin_token or None
        self.clock = clock
        self.public_host = public_host(settings)
        self.sessions = ConsoleSessions(db, clock=clock)
        self.lockout = Lockout(clock)
        if self.token:
            # Derived from the token: changing the token ends every session and form.
            seed = self.token.encode("utf-8")
            self._key = hmac.new(seed, b"haishin-console-v1", hashlib.sha256).digest()
        else:
            self._key = secrets.token_bytes(32)
        self._signers = {
            purpose: Signer(
                self._key, salt=f"haishin-console-{purpose}", digest_method=hashlib.sha256
            )
            for purpose in ("session", "csrf", "chat", "token")
        }
        self._token_mark = self._sign("token", "")

    @property
    def login_required(self) -> bool:
        """True when the console asks for the admin token."""
        return self.token is not None

    # ---- access ------------------------------------------------------------------------

    async def check(self, request: Request) -> Access:
        """May this request see the console?"""
        if self.token is None:
            if not is_loopback(request.client.host if request.client else ""):
                return Access(
                    False,
                    "The console answers only this machine while HAISHIN_ADMIN_TOKEN is unset.",
                    403,
                )
            host = request.headers.get("host")
            if not names_this_machine(host, self.public_host):
                return Access(False, _wrong_host(host), 403)
            return ALLOWED
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            return self.try_token(request, value)
        cookie = request.cookies.get(SESSION_COOKIE, "")
        if cookie:
            try:
                if await self._valid_session(cookie):
                    return ALLOWED
            except (SQLAlchemyError, OSError) as exc:
                log.warning("console: sessions can't be checked: %s", type(exc).__name__)
                return Access(False, "The database is not answering; try again in a moment.", 503)
        return Access(False, "Sign in with the admin token.", 401, login=True)

    def try_token(self, request: Request, candidate: str) -> Access:
        """One try of the admin token (a bearer header or the sign-in form), counted against
        this client's limit of wrong ones."""
        wait = self.lockout.wait(request)
        if wait:
            minutes = max(1, round(wait / 60))
            reason = f"Too many wrong tokens from this address; wait {minutes} minute(s)."
            return Access(False, reason, 429, retry_after=wait)
        if self.token_matches(candidate):
            return ALLOWED
        self.lockout.failed(request)
        return Access(False, "That is not the admin token.", 401, login=True)

    def bearer(self, request: Request) -> bool:
        """True when the request carries the admin token as a bearer header."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.token_matches(value)

    def token_matches(self, candidate: str) -> bool:
        """True when a token is the admin token (compared in constant time)."""
        if self.token is None:
            return False
        return hmac.compare_digest(candidate.strip().encode(), self.token.encode())

    # ---- sessions ----------------------------------------------------------------------

    async def start_session(self, response: Response, request: Request) -> None:
        """Record a session and set its cookie on a response (after a good sign-in)."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock.now()
        await self.sessions.start(
            _session_key(session_id), self._token_mark, now=now, expires=now + SESSION_LIFETIME
        )
        response.set_cookie(
            SESSION_COOKIE,
            self._signers["session"].sign(session_id).decode(),
            max_age=int(SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    async def end_session(self, response: Response, request: Request) -> None:
        """End this browser's session, here and in every process, and clear its cookie."""
        session_id = self._session_id(request.cookies.get(SESSION_COOKIE, ""))
        if session_id is not None:
            await self.sessions.end(_session_key(session_id))
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")

    async def _valid_session(self, cookie: str) -> bool:
        session_id = self._session_id(cookie)
        if session_id is None:
            return False
        key = _session_key(session_id)
        return await self.sessions.valid(key, self._token_mark, now=self.clock.now())

    def _session_id(self, cookie: str) -> str | None:
        """The session id a cookie carries, when this console signed it."""
        try:
            session_id = self._signers["session"].unsign(cookie).decode()
        except (BadSignature, UnicodeDecodeError):
            return None
        return session_id if _good_session_id(session_id) else None

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
        return self._signers["csrf"].verify_signature(nonce.encode(), submitted.encode())

    def conversation(self, request: Request) -> str | None:
        """A stable id for this browser's chat (so "next" continues), or None without one."""
        nonce = request.cookies.get(CSRF_COOKIE, "")
        return f"console:{self._sign('chat', nonce)[:24]}" if _good_nonce(nonce) else None

    def _sign(self, purpose: str, value: str) -> str:
        return self._signers[purpose].get_signature(value).decode()


def plain_refusal(access: Access) -> PlainTextResponse:
    """A refusal as plain text (for API clients and scrapers), with its headers."""
    headers = {"Retry-After": str(access.retry_after)} if access.retry_after else {}
    if access.login:
        headers["WWW-Authenticate"] = "Bearer"
    return PlainTextResponse(f"{access.reason}\n", status_code=access.status, headers=headers)


def _wrong_host(host: str | None) -> str:
    named = f'"{host}"' if host else "no host"
    return (
        f"This request names {named}, not this machine. While HAISHIN_ADMIN_TOKEN is unset "
        "the console answers only requests to localhost or a loopback address (a page "
        "elsewhere may be trying to reach it through your browser). If you reach haishin "
        "under another name, set HAISHIN_PUBLIC_URL to that address, or set "
        "HAISHIN_ADMIN_TOKEN."
    )


def _session_key(session_id: str) -> str:
    # Stored hashed: a copy of the table opens no console.
    return hashlib.sha256(session_id.encode()).hexdigest()


def _good_session_id(value: str) -> bool:
    return len(value) == _SESSION_ID_CHARS and all(c in _URLSAFE for c in value)


def _good_nonce(nonce: str) -> bool:
    return len(nonce) == 32 and all(c in "0123456789abcdef" for c in nonce)


def _same_origin(request: Request) -> bool:
    # Browsers send Origin on every POST; where it is absent (old clients) the token decides.
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin != "null" and urlsplit(origin).netloc.lower() == host.lower()
