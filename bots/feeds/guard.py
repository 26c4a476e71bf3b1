"""The SSRF guard: a feed URL can't make haishin reach into its own network.

A profile names a feed URL, and a feed names entry links that haishin fetches; either could
point at ``http://127.0.0.1:8000/``, a router, or the cloud metadata service. So:

- only ``http`` and ``https`` URLs are fetched (``check_url``), every redirect included;
- every address a host name resolves to is checked *before* connecting, and the connection
  goes to that checked address (``GuardedBackend``, an httpcore network backend), so a DNS
  answer that changes between the check and the connection (DNS rebinding) can't slip
  through; TLS still verifies the certificate for the host name;
- only globally routable unicast addresses pass, unless the profile allows networks
  (``feed.allow_private``); a name with any refused address is refused as a whole.

Environment proxies are not used for feeds: through a proxy the address check would see only
the proxy.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from urllib.parse import urlsplit

import httpcore
import httpx

from core.feeds.config import Network
from core.feeds.ports import FetchError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Host name and port → the addresses to connect to (tests answer without DNS)."""


class AddressRefused(Exception):
    """A host resolved to an address the policy refuses."""

    def __init__(self, host: str, address: str) -> None:
        self.host = host
        self.address = address
        super().__init__(f"{host} resolves to {address}")


class AddressPolicy:
    """Which addresses may be fetched: public ones, plus the networks the profile allows."""

    def __init__(self, allowed: Sequence[Network] = ()) -> None:
        self._allowed = tuple(allowed)

    def permits(self, address: Address) -> bool:
        """True when a connection to ``address`` is allowed.

        An IPv6 address that carries an IPv4 one (mapped ``::ffff:a.b.c.d``, the old
        compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo) is
        judged by that IPv4 address too: ``::7f00:1`` is loopback by another name.
        """
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self._allowed):
            return True
        if isinstance(address, ipaddress.IPv6Address):
            if address in _LOCAL_NAT64 or address in _IPV4_COMPATIBLE:
                return False  # a site's own NAT64; deprecated, never routed (RFC 4291)
            inner = embedded_ipv4(address)
            if inner is not None and not self.permits(inner):
                return False
        return address.is_global and not address.is_multicast

    def check_url(self, url: str) -> None:
        """Refuse anything but an absolute http(s) URL with a host; literal addresses checked.

        Raises:
            FetchError: not retryable; the message says why.
        """
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018  (raises ValueError for a malformed port)
        except ValueError:
            raise FetchError("is not a valid URL", url=url, retryable=False) from None
        if parts.scheme.lower() not in ("http", "https"):
            raise FetchError(
                f"refused: only http and https URLs are fetched, not {parts.scheme or 'none'}:",
                url=url,
                retryable=False,
            )
        if not host:
            raise FetchError("refused: the URL has no host", url=url, retryable=False)
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            return
        if not self.permits(literal):
            raise FetchError(refusal(host, str(literal)), url=url, retryable=False)


_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # ::a.b.c.d, :: and ::1 included
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: a local network's own


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (compatible, NAT64, 6to4, Teredo), if any."""
    if address in _IPV4_COMPATIBLE or address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address (the server's is public by design)
    return None


def refusal(host: str, address: str) -> str:
    """The message for a refused address, with how to allow it."""
    where = "" if host == address else f"{host} resolves to {address}, "
    return (
        f"refused: {where}a loopback, private or link-local address; "
        "set feed.allow_private in newsletter.toml if this feed really is on a private network"
    )


async def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer (``getaddrinfo``), every address of the name."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks, then connects to the checked address (see the module docstring)."""

    def __init__(
        self,
        policy: AddressPolicy,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                answers = await self._resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = [ipaddress.ip_address(answer.split("%")[0]) for answer in answers]
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}: no addresses")
        for address in addresses:
            if not self._policy.permits(address):
                raise AddressRefused(host, str(address))
        failure: httpcore.ConnectError | None = None
        for address in dict.fromkeys(addresses):
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused(path, "a unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool on the guarded network backend."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver = system_resolver) -> None:
        super().__init__(trust_env=False)
        # httpx offers no network_backend argument; the pool it built is replaced by the
        # same pool (httpx's default TLS context) over our backend.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=GuardedBackend(policy, resolver),
        )
