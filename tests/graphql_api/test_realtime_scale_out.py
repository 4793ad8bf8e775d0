"""Realtime across two server processes sharing PostgreSQL and Redis, through a Redis restart.

A mutation made through process A reaches GraphQL, SSE and WebSocket listeners connected to
process B; the stats of either process count the connections of both; and events committed
while Redis is down still reach every listener, in order, once (from the event log).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest
import websockets

from tests.conftest import free_port, start_server, stop_server
from tests.support import TenantHandle

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server (make test installs it)"),
]
ARRIVAL_SECONDS = 15


class RedisServer:
    """A Redis of this test's own, so it can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.workdir = tempfile.mkdtemp(prefix="basalt-redis-restart-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", self.workdir],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def servers(server_env: dict[str, str], redis_server: RedisServer, database: None) -> Iterator[tuple[str, str]]:
    env = {**server_env, "BASALT_BROADCAST_URL": redis_server.url}
    ports = [free_port(), free_port()]
    processes = [start_server(env, port) for port in ports]
    yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"
    for process in processes:
        stop_server(process)


class Received:
    """Object ids one listener got, in arrival order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ids: list[str] = []

    async def wait_for(self, object_ids: list[str]) -> None:
        deadline = time.monotonic() + ARRIVAL_SECONDS
        while not set(object_ids) <= set(self.ids):
            assert time.monotonic() < deadline, f"{self.name} got {self.ids}, missing {set(object_ids) - set(self.ids)}"
            await asyncio.sleep(0.05)


@asynccontextmanager
async def graphql_listener(base: str, token: str, type_id: str, received: Received) -> AsyncIterator[None]:
    async with websockets.connect(base.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        # graphql-transport-ws does not acknowledge a subscribe: resuming from the start of the log
        # (`after: "0"`) makes sure no event of the new type is missed while it registers.
        query = 'subscription($t: ID) { objectEvents(objectTypeId: $t, events: [CREATED], after: "0") { objectId } }'
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"t": type_id}}}))

        async def pump() -> None:
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "next":
                    received.ids.append(message["payload"]["data"]["objectEvents"]["objectId"])
                elif message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))

        async with _running(pump()):
            yield


@asynccontextmanager
async def sse_listener(base: str, token: str, received: Received) -> AsyncIterator[None]:
    async with httpx.AsyncClient(timeout=None) as http:
        async with http.stream("GET", f"{base}/events/stream", headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status_code == 200

            async def pump() -> None:
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        event = json.loads(line[len("data: ") :])
                        if event["type"] == "object.created":
                            received.ids.append(event["object_id"])

            async with _running(pump()):
                yield


@asynccontextmanager
async def socket_listener(base: str, tenant: TenantHandle, type_id: str, received: Received) -> AsyncIterator[None]:
    url = f"{base.replace('http', 'ws')}/v1/realtime?token={tenant.token}&tenant_id={tenant.tenant_id}"
    async with websockets.connect(url) as ws:
        assert json.loads(await ws.recv())["type"] == "connected"
        await ws.send(json.dumps({"type": "subscribe", "channel": f"objects:{type_id}"}))
        assert json.loads(await ws.recv()) == {"type": "subscribed", "channel": f"objects:{type_id}"}

        async def pump() -> None:
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "event" and message["event"]["type"] == "object.created":
                    received.ids.append(message["event"]["object_id"])

        async with _running(pump()):
            yield


@asynccontextmanager
async def _running(coroutine: object) -> AsyncIterator[None]:
    task = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def create(http: httpx.AsyncClient, base: str, type_id: str, n: int) -> str:
    response = await http.post(f"{base}/v1/objects/{type_id}", json={"properties": {"n": n}})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


async def test_events_cross_processes_survive_a_redis_restart_and_stats_sum_both(
    servers: tuple[str, str], redis_server: RedisServer, tenant: TenantHandle
) -> None:
    a, b = servers
    async with httpx.AsyncClient(headers=tenant.auth, timeout=10) as http:
        created_type = await http.post(f"{a}/v1/object-types", json={"name": "tickets"})
        type_id = created_type.json()["data"]["id"]
        listeners = [Received("graphql"), Received("sse"), Received("websocket")]
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(graphql_listener(b, tenant.token, type_id, listeners[0]))
            await stack.enter_async_context(sse_listener(b, tenant.token, listeners[1]))
            await stack.enter_async_context(socket_listener(b, tenant, type_id, listeners[2]))
            extra = await stack.enter_async_context(websockets.connect(f"{a.replace('http', 'ws')}/v1/realtime?token={tenant.token}&tenant_id={tenant.tenant_id}"))
            assert json.loads(await extra.recv())["type"] == "connected"

            # Listeners are live once an object made through A reaches all of them on B.
            expected = [await create(http, a, type_id, 0)]
            for listener in listeners:
                await listener.wait_for(expected)

            for base in (a, b):  # either process counts the sockets of both
                stats = (await http.get(f"{base}/v1/realtime/stats")).json()["data"]
                assert stats == {"total_connections": 2, "channels": {f"objects:{type_id}": 1}, "channel_count": 1}

            expected.append(await create(http, a, type_id, 1))
            redis_server.stop()
            expected += [await create(http, a, type_id, n) for n in (2, 3)]  # committed while Redis is down
            redis_server.start()
            expected.append(await create(http, a, type_id, 4))
            for listener in listeners:
                await listener.wait_for(expected)
                assert listener.ids == expected, listener.name  # in order, each once
