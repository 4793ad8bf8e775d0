"""The SSRF guard at connection time: the host is resolved once, every address checked, and the
connection goes to the checked address itself, so DNS answering differently a moment later
(rebinding) cannot redirect it."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from resolvers.webhooks import network


class RecordingBackend:
    def __init__(self) -> None:
        self.connected: list[str] = []

    async def connect_tcp(self, host: str, port: int, *args: Any) -> str:
        self.connected.append(host)
        return "stream"


def guarded(monkeypatch: pytest.MonkeyPatch, answers: list[list[str]]) -> tuple[Any, RecordingBackend]:
    """A guarded backend whose DNS gives `answers` in turn (a rebinding resolver)."""
    replies = iter(answers)

    async def resolve(host: str, port: int) -> list[Any]:
        return [ipaddress.ip_address(a) for a in next(replies)]

    monkeypatch.setattr(network, "resolve", resolve)
    backend = network._GuardedBackend(allow_loopback=False)
    inner = RecordingBackend()
    backend._inner = inner  # type: ignore[assignment]
    return backend, inner


async def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    backend, inner = guarded(monkeypatch, [["93.184.216.34"], ["127.0.0.1"]])
    await backend.connect_tcp("hooks.example.com", 443)
    assert inner.connected == ["93.184.216.34"]  # never the name, which the OS would resolve again


async def test_a_name_that_now_resolves_to_loopback_is_blocked_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    backend, inner = guarded(monkeypatch, [["93.184.216.34"], ["127.0.0.1"]])
    await backend.connect_tcp("hooks.example.com", 443)
    with pytest.raises(network.BlockedAddress):
        await backend.connect_tcp("hooks.example.com", 443)  # the second lookup rebinds
    assert inner.connected == ["93.184.216.34"]


async def test_one_private_address_among_public_ones_blocks_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    backend, inner = guarded(monkeypatch, [["93.184.216.34", "10.0.0.7"]])
    with pytest.raises(network.BlockedAddress):
        await backend.connect_tcp("mixed.example.com", 443)
    assert inner.connected == []


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::", "224.0.0.1"],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert network.allowed(ipaddress.ip_address(address), allow_loopback=False) is False


def test_loopback_alone_is_allowed_by_the_operator_setting() -> None:
    assert network.allowed(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is True
    assert network.allowed(ipaddress.ip_address("10.0.0.1"), allow_loopback=True) is False
    assert network.allowed(ipaddress.ip_address("93.184.216.34"), allow_loopback=False) is True
