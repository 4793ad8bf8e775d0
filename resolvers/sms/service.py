"""Sending text messages: a console sender for development, and an HTTP sender speaking the
Twilio request shape (form-encoded To, From, Body with basic auth), which Twilio and the many
services that copy its API accept."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from resolvers.errors import ServiceUnavailable

log = logging.getLogger("basalt.sms")


class SmsSender(Protocol):
    async def send(self, to: str, body: str) -> None: ...
    async def close(self) -> None: ...


@dataclass
class ConsoleSms:
    """Development: messages go to the log (and are kept, newest last, for a local UI)."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    async def send(self, to: str, body: str) -> None:
        log.warning("SMS to %s: %s", to, body)
        self.sent.append((to, body))
        del self.sent[:-100]

    async def close(self) -> None:
        return None


class HttpSms:
    def __init__(self, url: str, *, account: str, token: str, sender: str, timeout: float = 10.0) -> None:
        self.url = url
        self.sender = sender
        self._client = httpx.AsyncClient(auth=(account, token), timeout=timeout)

    async def send(self, to: str, body: str) -> None:
        try:
            response = await self._client.post(self.url, data={"To": to, "From": self.sender, "Body": body})
        except httpx.HTTPError as exc:
            log.warning("SMS provider unreachable: %s", exc)
            raise ServiceUnavailable("The text message could not be sent; try again shortly") from None
        if response.status_code >= 300:
            log.warning("SMS provider answered %s: %s", response.status_code, response.text[:300])
            raise ServiceUnavailable("The text message could not be sent; try again shortly")

    async def close(self) -> None:
        await self._client.aclose()
