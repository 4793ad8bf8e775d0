#!/usr/bin/env python3
"""Webhook benchmark on PostgreSQL + Redis, with a local asyncio receiver (HTTP/1.1 keep-alive).

- deliveries per second with 3 `basalt worker` processes: N messages are queued not yet due, then
  made due at once; the clock runs until the receiver has every webhook-id;
- event-to-delivery latency when idle: one `basalt serve` (workers in-process), objects created one
  at a time over REST; from sending the create to the receiver's arrival (p50, p99).
Targets: at least 500 deliveries/s; p50 under 50 ms.
Run by hand with `make bench-webhooks` (it starts PostgreSQL and Redis on free ports).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.data_plane import _stop  # noqa: E402
from bench.run import _serve, _wait  # noqa: E402
from graphql_api.db import close_orm, init_orm, migrate  # noqa: E402
from graphql_api.settings import load_settings  # noqa: E402
from models.tenants import Tenant  # noqa: E402
from models.webhooks import WebhookMessage  # noqa: E402
from resolvers.ids import new_id  # noqa: E402
from resolvers.webhooks import repository  # noqa: E402
from resolvers.webhooks.schemas import Outgoing  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.support import make_tenant, make_type  # noqa: E402

MESSAGES = int(os.environ.get("BENCH_WEBHOOK_MESSAGES", "3000"))
LATENCY_EVENTS = int(os.environ.get("BENCH_LATENCY_EVENTS", "100"))
WORKERS = 3


class Receiver:
    """Answers 200 to every POST and records when each webhook-id arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.port = free_port()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line)
                headers = {k.lower(): v for k, v in headers.items()}
                await reader.readexactly(int(headers.get("content-length", "0")))
                self.arrived.setdefault(headers.get("webhook-id", ""), time.perf_counter())
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


def main() -> None:
    database_url = os.environ.get("BASALT_TEST_DATABASE_URL") or sys.exit("run through `make bench-webhooks` (needs PostgreSQL)")
    redis_url = os.environ.get("BASALT_TEST_REDIS_URL") or sys.exit("run through `make bench-webhooks` (needs Redis)")
    var = Path(tempfile.mkdtemp(prefix="basalt-bench-wh-"))
    env = {
        "BASALT_ENV": "production", "BASALT_SECRET_KEY": "b" * 40, "BASALT_VAR_DIR": str(var),
        "BASALT_DATABASE_URL": database_url, "BASALT_BROADCAST_URL": redis_url, "BASALT_STORAGE_URL": f"file://{var}/files",
        "BASALT_WEBHOOK_ALLOW_LOOPBACK": "true",
    }
    asyncio.run(_bench(env))


async def _bench(env: dict[str, str]) -> None:
    receiver = Receiver()
    await receiver.start()
    settings = load_settings(env)
    await migrate(settings)
    await init_orm(settings)
    try:
        await _throughput(env, receiver)
        await _latency(env, receiver)
    finally:
        await close_orm()


async def _endpoint(tenant_token: str, url: str, port: int) -> str:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {tenant_token}"}) as http:
        made = (await http.post("/v1/webhooks", json={"url": url, "events": ["*"]})).json()
        return made["data"]["id"]


async def _throughput(env: dict[str, str], receiver: Receiver) -> None:
    tenant = await make_tenant("Webhook bench")
    await Tenant.filter(id=tenant.tenant_id).update(plan_tier="enterprise")
    port = free_port()
    server = _serve(["-m", "graphql_api.cli", "serve", "--port", str(port)], {**env, "BASALT_WORKERS": "false"})
    try:
        _wait(port)
        endpoint_id = await _endpoint(tenant.token, f"http://127.0.0.1:{receiver.port}/hook", port)
    finally:
        _stop([server])
    later = datetime.now(timezone.utc) + timedelta(days=1)
    ids = [new_id("msg") for _ in range(MESSAGES)]
    for start in range(0, MESSAGES, 500):
        await repository.queue(
            [Outgoing(id=i, tenant_id=tenant.tenant_id, endpoint_id=endpoint_id, event_type="bench.tick", payload={"n": n})
             for n, i in enumerate(ids[start:start + 500], start)],
            due=later,
        )
    workers = [_serve(["-m", "graphql_api.cli", "worker"], env) for _ in range(WORKERS)]
    try:
        await asyncio.sleep(3)  # the workers are up and idle
        started = time.perf_counter()
        await WebhookMessage.filter(id__in=ids).update(next_attempt_at=datetime.now(timezone.utc))
        while len([i for i in ids if i in receiver.arrived]) < MESSAGES:
            await asyncio.sleep(0.05)
            if time.perf_counter() - started > 120:
                break
        delivered = len([i for i in ids if i in receiver.arrived])
        elapsed = max(receiver.arrived[i] for i in ids if i in receiver.arrived) - started
        print(f"throughput: {delivered}/{MESSAGES} delivered by {WORKERS} workers in {elapsed:.2f} s = {delivered / elapsed:.0f} deliveries/s", flush=True)
    finally:
        _stop(workers)


async def _latency(env: dict[str, str], receiver: Receiver) -> None:
    tenant = await make_tenant("Webhook latency bench")
    await Tenant.filter(id=tenant.tenant_id).update(plan_tier="enterprise")
    type_id = await make_type(tenant, "ticks", [{"name": "n", "data_type": "integer"}])
    port = free_port()
    server = _serve(["-m", "graphql_api.cli", "serve", "--port", str(port)], env)
    try:
        _wait(port)
        await _endpoint(tenant.token, f"http://127.0.0.1:{receiver.port}/latency", port)
        latencies: list[float] = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {tenant.token}"}) as http:
            for n in range(LATENCY_EVENTS + 5):
                before = len(receiver.arrived)
                sent = time.perf_counter()
                await http.post(f"/v1/objects/{type_id}", json={"properties": {"n": n}})
                while len(receiver.arrived) == before:
                    await asyncio.sleep(0.0005)
                arrived = max(receiver.arrived.values())
                if n >= 5:  # warm-up
                    latencies.append((arrived - sent) * 1000)
                await asyncio.sleep(0.05)  # idle between events
        latencies.sort()
        p50, p99 = statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]
        print(f"latency (create sent -> delivered), idle, {len(latencies)} events: p50 {p50:.1f} ms, p99 {p99:.1f} ms", flush=True)
    finally:
        _stop([server])


if __name__ == "__main__":
    main()
