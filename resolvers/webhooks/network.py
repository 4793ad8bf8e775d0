"""Where webhooks may go: public addresses only (SSRF protection).

A URL is checked when an endpoint is saved, and again at every connection: the transport
resolves the host itself, refuses loopback, private, link-local (cloud metadata), shared,
reserved and multicast addresses in every spelling (decimal `2130706433`, IPv4-mapped IPv6,
...), and connects to the very address it checked, so DNS that changes between the check and
the connection (rebinding) gains nothing. Redirects are never followed. An operator setting
allows loopback, for development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Iterable
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

from resolvers.errors import ValidationError

MAX_URL = 2000
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(httpcore.ConnectError):
    """The host resolved to an address webhooks may not reach."""


NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def allowed(address: IpAddress, *, allow_loopback: bool) -> bool:
    embedded = _embedded_ipv4(address)
    if embedded is not None and not allowed(embedded, allow_loopback=allow_loopback):
        return False  # 6to4, NAT64 and IPv4-compatible forms of a refused IPv4 address
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if allow_loopback and address.is_loopback:
        return True
    return address.is_global and not address.is_multicast


def _embedded_ipv4(address: IpAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address) or address.ipv4_mapped is not None:
        return None
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


async def resolve(host: str, port: int) -> list[IpAddress]:
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def check_url(url: object, *, allow_loopback: bool, field: str = "url") -> str:
    """The URL if webhooks may be sent there now; 400 naming `field` otherwise."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise ValidationError.single(field, f"must be an http(s) URL of at most {MAX_URL} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError.single(field, "must be an http(s) URL")
    if parts.username or parts.password:
        raise ValidationError.single(field, "must not carry credentials; verify requests by their signature")
    try:
        addresses = await resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, ValueError):
        raise ValidationError.single(field, f"host {parts.hostname} does not resolve") from None
    if not addresses or not all(allowed(a, allow_loopback=allow_loopback) for a in addresses):
        raise ValidationError.single(field, "must reach a public address (not loopback, private, link-local or metadata)")
    return url


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, allow_loopback: bool) -> None:
        self.allow_loopback = allow_loopback
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Iterable[object] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await resolve(host, port)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        if not addresses or not all(allowed(a, allow_loopback=self.allow_loopback) for a in addresses):
            raise BlockedAddress(f"{host} resolves to an address webhooks may not reach")
        return await self._inner.connect_tcp(str(addresses[0]), port, timeout, local_address, socket_options)  # type: ignore[arg-type]

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Iterable[object] | None = None) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("webhooks never use unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the connection pool on the guarded backend (and no proxies from
    the environment, which would connect on our behalf)."""

    def __init__(self, *, allow_loopback: bool, max_connections: int = 100) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(allow_loopback),
        )


def client(*, allow_loopback: bool, timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=GuardedTransport(allow_loopback=allow_loopback), timeout=timeout, follow_redirects=False, trust_env=False,
    )
