"""One signed HTTP request to an endpoint, per the Standard Webhooks spec: `webhook-id` (the same
on every retry), `webhook-timestamp`, and `webhook-signature` (`v1,<base64 HMAC-SHA256>` of
`id.timestamp.body`; during the 24 hours after a rotation, signed with both secrets)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

import httpx
from standardwebhooks.webhooks import Webhook

from models import jsoncodec
from models.webhooks import WebhookEndpoint
from resolvers import sealing
from resolvers.webhooks import network
from resolvers.webhooks.network import BlockedAddress
from resolvers.webhooks.schemas import RESPONSE_EXCERPT, SECRET_PURPOSE, Outgoing, SendResult, WebhookSettings

USER_AGENT = "Basalt-Webhooks/1"


class Courier:
    """This process's webhook settings and its one guarded HTTP client (opened on first use)."""

    def __init__(self, settings: WebhookSettings | None = None) -> None:
        self.settings = settings or WebhookSettings()
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = network.client(allow_loopback=self.settings.allow_loopback, timeout=self.settings.timeout_seconds)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def signing_secrets(endpoint: WebhookEndpoint, secret_key: str, now: datetime) -> list[str]:
    secrets = [sealing.unseal(secret_key, SECRET_PURPOSE, endpoint.secret)]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        secrets.append(sealing.unseal(secret_key, SECRET_PURPOSE, endpoint.previous_secret))
    return secrets


def signed_headers(message_id: str, body: str, secrets: list[str], now: datetime) -> dict[str, str]:
    signature = " ".join(Webhook(secret).sign(message_id, now, body) for secret in secrets)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


async def send(client: httpx.AsyncClient, endpoint: WebhookEndpoint, message: Outgoing, secret_key: str, *, deadline: float) -> SendResult:
    """One attempt, bounded as a whole by `deadline` seconds (httpx's timeout bounds each read: a
    receiver trickling its answer would otherwise hold the attempt past its lease)."""
    now = datetime.now(timezone.utc)
    body = jsoncodec.dumps(message.payload)
    headers = signed_headers(message.id, body, signing_secrets(endpoint, secret_key, now), now)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(deadline):
            async with client.stream("POST", endpoint.url, content=body.encode(), headers=headers) as response:
                status, excerpt = response.status_code, await _excerpt(response)
    except BlockedAddress as exc:
        return SendResult(None, False, _ms(started), error=f"blocked: {exc}")
    except (httpx.TimeoutException, TimeoutError):
        return SendResult(None, False, _ms(started), error="timed out")
    except httpx.HTTPError as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, BlockedAddress) else exc
        prefix = "blocked" if isinstance(cause, BlockedAddress) else "unreachable"
        return SendResult(None, False, _ms(started), error=f"{prefix}: {str(cause) or type(cause).__name__}"[:500])
    return SendResult(status, 200 <= status < 300, _ms(started), response_excerpt=excerpt)


async def _excerpt(response: httpx.Response) -> str | None:
    """The start of the answer; the rest is never read (an endpoint cannot make us download much)."""
    read = b""
    async for chunk in response.aiter_raw():
        read += chunk
        if len(read) >= RESPONSE_EXCERPT * 4:
            break
    return read.decode("utf-8", "replace")[:RESPONSE_EXCERPT] or None


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
