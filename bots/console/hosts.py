"""Where the console may be served, and which ``Host`` a request to it may name.

Without ``HAISHIN_ADMIN_TOKEN`` the console trusts requests from this machine. A browser on
this machine can still be made to send them by a page from elsewhere: DNS rebinding points a
name the attacker owns (``evil.example``) at 127.0.0.1, and to the browser that page and the
console are then one origin, free to read pages and take a form's CSRF token. The browser
still sends ``Host: evil.example``; so such requests must name this machine: a loopback name
or address, or the host of ``HAISHIN_PUBLIC_URL``.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from bots.settings import Settings
from core.errors import ConfigError

MIN_TOKEN_CHARS = 16
_TOKEN_HINT = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def is_loopback(host: str) -> bool:
    """True for an address or name that only this machine can reach."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def public_host(settings: Settings) -> str | None:
    """The host name of ``HAISHIN_PUBLIC_URL``, lower case, or None when it is unset.

    Raises:
        ConfigError: the setting is not an http(s) address with a host.
    """
    url = (settings.public_url or "").strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"HAISHIN_PUBLIC_URL is {url!r}: give the address people and platforms reach "
            "haishin at, e.g. https://haishin.example.com"
        )
    return parts.hostname.rstrip(".")


def names_this_machine(host_header: str | None, public: str | None) -> bool:
    """True when a ``Host`` header (``name[:port]``) is a loopback name or address, or
    ``public`` (the host of ``HAISHIN_PUBLIC_URL``)."""
    if not host_header:
        return False
    try:
        parts = urlsplit(f"//{host_header}")
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return False
    name = parts.hostname
    if not name or parts.username is not None or parts.path or parts.query or parts.fragment:
        return False
    return is_loopback(name) or (public is not None and name.rstrip(".") == public)


def require_token_for(host: str, settings: Settings) -> None:
    """Refuse to serve the console on a reachable address without a strong admin token.

    Args:
        host: the address ``serve`` will listen on.
        settings: where ``HAISHIN_ADMIN_TOKEN`` and ``HAISHIN_PUBLIC_URL`` are read from.

    Raises:
        ConfigError: ``host`` is not a loopback address and the token is unset or short, or
            ``HAISHIN_PUBLIC_URL`` is not an address.
    """
    public_host(settings)
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
