#!/usr/bin/env python3
"""Realtime benchmark: one server worker on PostgreSQL + Redis, GraphQL subscriptions over
graphql-transport-ws with the `gql` client.

- latency from sending the create request to each subscriber's event, at 1 and at 100
  subscribers (p50, p99; creates one after another, so this is latency, not queueing), with all
  subscribers in this process, and then with the 100 spread over `BENCH_CLIENT_PROCESSES`
  client processes (extra rows when more than 1; on the 2-core box it did not help, see README);
- sustained events per second delivered to 100 subscribers (8 concurrent creators, 10 s);
- server memory per idle WebSocket with 2,000 connections open (connection_init and one
  subscription each; raw `websockets` clients, since 2,000 gql sessions would load the client).
Targets: p50 < 5 ms and p99 < 25 ms at 100 subscribers; 2,000 idle connections < 300 MB.
Run by hand with `make bench-realtime` (it starts PostgreSQL and Redis on free ports).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import websockets
from gql import Client, gql
from gql.transport.aiohttp_websockets import AIOHTTPWebsocketsTransport
from gql.transport.websockets import WebsocketsTransport

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.data_plane import _stop  # noqa: E402
from bench.run import _serve, _wait  # noqa: E402
from graphql_api.db import close_orm, init_orm, migrate  # noqa: E402
from graphql_api.settings import load_settings  # noqa: E402
from models.tenants import Tenant  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.support import make_tenant, make_type  # noqa: E402

LATENCY_EVENTS = int(os.environ.get("BENCH_LATENCY_EVENTS", "200"))
THROUGHPUT_SECONDS = float(os.environ.get("BENCH_THROUGHPUT_SECONDS", "10"))
IDLE_CONNECTIONS = int(os.environ.get("BENCH_IDLE_CONNECTIONS", "2000"))
CLIENT_PROCESSES = int(os.environ.get("BENCH_CLIENT_PROCESSES", "1"))  # > 1: extra rows, 100 subscribers over this many processes
SUBSCRIPTION_TEXT = "subscription($t: ID) { objectEvents(objectTypeId: $t, events: [CREATED]) { objectId } }"
SUBSCRIPTION = gql(SUBSCRIPTION_TEXT)


def main() -> None:
    database_url = os.environ.get("BASALT_TEST_DATABASE_URL") or sys.exit("run through `make bench-realtime` (needs PostgreSQL)")
    redis_url = os.environ.get("BASALT_TEST_REDIS_URL") or sys.exit("run through `make bench-realtime` (needs Redis)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    var = Path(tempfile.mkdtemp(prefix="basalt-bench-rt-"))
    env = {"BASALT_ENV": "production", "BASALT_SECRET_KEY": "b" * 40, "BASALT_VAR_DIR": str(var),
           "BASALT_DATABASE_URL": database_url, "BASALT_BROADCAST_URL": redis_url, "BASALT_STORAGE_URL": f"file://{var}/files"}
    token, tenant_id, type_id = asyncio.run(_prepare(env))
    port = free_port()
    args = ["-m", "uvicorn", "--factory", "graphql_api.app:app_from_env", "--port", str(port), "--log-level", "warning", "--no-access-log",
            "--ws-per-message-deflate", "false"]  # as `basalt serve` runs it
    profile = os.environ.get("BENCH_PYSPY")  # a path: profile the server with py-spy (raw collapsed stacks) instead of measuring memory
    if profile:
        py_spy = [str(Path(sys.executable).parent / "py-spy"), "record", "-r", "200", "-f", "raw", "-o", profile, "--"]
        server = subprocess.Popen([*py_spy, sys.executable, *args], env={**os.environ, **env}, cwd=ROOT)
    else:
        server = _serve(args, env)
    try:
        _wait(port)
        asyncio.run(_measure(f"127.0.0.1:{port}", token, type_id))
    finally:
        _stop([server])
    if profile:
        return
    port = free_port()  # a fresh server, so the idle figure is not what the load phases left behind
    server = _serve([*args[:5], str(port), *args[6:]], env)
    try:
        _wait(port)
        before, after, opened = asyncio.run(_idle_memory(f"127.0.0.1:{port}", token, type_id, server.pid))
        print(f"idle: {opened} connections; server RSS {before:.0f} MB -> {after:.0f} MB "
              f"({(after - before) * 1024 / max(opened, 1):.1f} KB per connection)", flush=True)
    finally:
        _stop([server])


async def _prepare(env: dict[str, str]) -> tuple[str, str, str]:
    settings = load_settings(env)
    await migrate(settings)
    await init_orm(settings)
    try:
        tenant = await make_tenant("Realtime bench")
        await Tenant.filter(id=tenant.tenant_id).update(plan_tier="enterprise")
        type_id = await make_type(tenant, "ticks", [{"name": "n", "data_type": "integer"}])
        return tenant.token, tenant.tenant_id, type_id
    finally:
        await close_orm()


class Subscriber:
    """One gql session subscribed to object.created of the type; records when each object arrives.
    gql has two WebSocket transports: on the `websockets` package (its default) and on `aiohttp`,
    which costs the client less per message (with 100 sessions in one process, that shows)."""

    def __init__(self, host: str, token: str, type_id: str) -> None:
        self.transport = self.make_transport(f"ws://{host}/graphql", {"authorization": f"Bearer {token}"})
        self.client = Client(transport=self.transport)
        self.type_id = type_id
        self.arrived: dict[str, float] = {}
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def make_transport(self, url: str, init_payload: dict[str, Any]) -> Any:
        return WebsocketsTransport(
            url=url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL], init_payload=init_payload, ping_interval=None,
        )

    async def run(self) -> None:
        async with self.client as session:
            self.ready.set()
            async for result in session.subscribe(SUBSCRIPTION, variable_values={"t": self.type_id}):
                self.arrived[result["objectEvents"]["objectId"]] = time.perf_counter()


class AiohttpSubscriber(Subscriber):
    """The same gql session on gql's aiohttp transport."""

    def make_transport(self, url: str, init_payload: dict[str, Any]) -> Any:
        return AIOHTTPWebsocketsTransport(url=url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL], init_payload=init_payload)


class LeanSubscriber:
    """The same subscription over graphql-transport-ws with a bare `websockets` client: the event's
    arrival is stamped when its frame is read, before parsing. What gql adds per message (its
    session, parsing, result handling) is then not part of the figure: with 100 sessions in one
    client process it queues behind the other 99 messages."""

    def __init__(self, host: str, token: str, type_id: str) -> None:
        self.url, self.token, self.type_id = f"ws://{host}/graphql", token, type_id
        self.arrived: dict[str, float] = {}
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        async with websockets.connect(self.url, subprotocols=["graphql-transport-ws"], ping_interval=None, compression=None) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {self.token}"}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            query = SUBSCRIPTION_TEXT
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"t": self.type_id}}}))
            self.ready.set()
            async for frame in ws:
                at = time.perf_counter()
                message = json.loads(frame)
                if message.get("type") == "next":
                    self.arrived[message["payload"]["data"]["objectEvents"]["objectId"]] = at


class RawHttp:
    """Keep-alive HTTP/1.1 POSTs of JSON over one socket: the create request without an HTTP
    client library's per-request work (httpx spends about 2 ms of this box's CPU per request)."""

    def __init__(self, host: str, token: str) -> None:
        self.host, self.token = host, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(body).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {self.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
        status_line = b""
        for _ in range(2):  # the server closes a keep-alive socket idle for 5 s: then once more on a new one
            if self.writer is None:
                address, port = self.host.rsplit(":", 1)
                self.reader, self.writer = await asyncio.open_connection(address, int(port))
            assert self.reader is not None
            self.writer.write(head.encode() + payload)
            status_line = await self.reader.readline()
            if status_line:
                break
            await self.close()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        answer: dict[str, Any] = json.loads(await self.reader.readexactly(length))
        if status >= 300:
            raise RuntimeError(f"{path} answered {status}: {answer}")
        return answer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


Poster = httpx.AsyncClient | RawHttp
Listener = Subscriber | LeanSubscriber


async def _subscribers(host: str, token: str, type_id: str, http: Poster, count: int, kind: type[Listener] = Subscriber) -> list[Listener]:
    subscribers: list[Listener] = [kind(host, token, type_id) for _ in range(count)]
    for s in subscribers:
        s.task = asyncio.create_task(s.run())
    await asyncio.gather(*(s.ready.wait() for s in subscribers))
    while True:  # subscribe messages are not acknowledged: live once a warm-up object reaches everyone
        object_id = await _create(http, type_id)
        if await _all_have(subscribers, object_id, 0.5):
            return subscribers


async def _close(subscribers: list[Listener]) -> None:
    for s in subscribers:
        assert s.task is not None
        s.task.cancel()
    await asyncio.gather(*(s.task for s in subscribers if s.task), return_exceptions=True)


async def _create(http: Poster, type_id: str) -> str:
    if isinstance(http, RawHttp):
        return str((await http.post(f"/v1/objects/{type_id}", {"properties": {"n": 1}}))["data"]["id"])
    response = await http.post(f"/v1/objects/{type_id}", json={"properties": {"n": 1}})
    response.raise_for_status()
    return str(response.json()["data"]["id"])


@dataclass(frozen=True)
class Latency:
    p50: float
    p99: float
    samples: int
    create_p50: float
    after_p50: float
    after_p99: float
    spread_p50: float  # per event, from the first subscriber's arrival to the median one's


async def _latency(host: str, token: str, type_id: str, http: Poster, count: int, kind: type[Listener], processes: int = 1) -> Latency:
    """`processes` > 1: the subscribers are spread over that many client processes."""
    group: SubscriberGroup = InProcess(host, token, type_id, count, kind) if processes == 1 else ClientProcesses(host, token, type_id, count, kind, processes)
    await group.start(http)
    times: dict[str, tuple[float, float]] = {}  # object id -> (create sent, its answer received)
    creates: list[float] = []
    try:
        for _ in range(LATENCY_EVENTS):
            started = time.perf_counter()
            object_id = await _create(http, type_id)
            answered = time.perf_counter()
            times[object_id] = (started, answered)
            creates.append((answered - started) * 1000)
            await group.wait_for(object_id, 5)
            await asyncio.sleep(0.01)
        arrivals = await group.arrivals()
    finally:
        await group.close()
    samples: list[float] = []  # from sending the create request
    after_response: list[float] = []  # from receiving its answer (the commit is done by then)
    spreads: list[float] = []  # first arrival to median arrival: how long the client takes per message
    for object_id, (started, answered) in times.items():
        arrived = sorted(a[object_id] for a in arrivals if object_id in a)
        samples += [(at - started) * 1000 for at in arrived]
        after_response += [max(0.0, at - answered) * 1000 for at in arrived]
        spreads.append((arrived[len(arrived) // 2] - arrived[0]) * 1000)
    samples.sort()
    after_response.sort()
    return Latency(
        p50=statistics.median(samples),
        p99=samples[int(len(samples) * 0.99) - 1],
        samples=len(samples),
        create_p50=statistics.median(creates),
        after_p50=statistics.median(after_response),
        after_p99=after_response[int(len(after_response) * 0.99) - 1],
        spread_p50=statistics.median(spreads),
    )


class InProcess:
    """All subscribers in this process, beside the creates (the measure since the first session)."""

    def __init__(self, host: str, token: str, type_id: str, count: int, kind: type[Listener]) -> None:
        self.host, self.token, self.type_id, self.count, self.kind = host, token, type_id, count, kind
        self.subscribers: list[Listener] = []

    async def start(self, http: Poster) -> None:
        self.subscribers = await _subscribers(self.host, self.token, self.type_id, http, self.count, self.kind)

    async def wait_for(self, object_id: str, timeout: float) -> bool:
        return await _all_have(self.subscribers, object_id, timeout)

    async def arrivals(self) -> list[dict[str, float]]:
        return [s.arrived for s in self.subscribers]

    async def close(self) -> None:
        await _close(self.subscribers)


class ClientProcesses:
    """The subscribers spread over several client processes, as real subscribers are: with all of
    them in one process, each one's stamp waits for the parsing of the frames ahead of it. The
    stamps stay comparable: `time.perf_counter` is CLOCK_MONOTONIC, one clock for every process."""

    def __init__(self, host: str, token: str, type_id: str, count: int, kind: type[Listener], processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        shares = [count // processes + (1 if i < count % processes else 0) for i in range(processes)]
        self.pipes: list[Connection] = []
        self.workers: list[multiprocessing.process.BaseProcess] = []
        for share in shares:
            mine, theirs = context.Pipe()
            worker = context.Process(target=_client_process, args=(theirs, host, token, type_id, share, kind.__name__), daemon=True)
            worker.start()
            self.pipes.append(mine)
            self.workers.append(worker)
        self.type_id = type_id

    async def ask(self, *command: Any) -> list[Any]:
        loop = asyncio.get_running_loop()
        for pipe in self.pipes:
            pipe.send(command)
        return list(await asyncio.gather(*(loop.run_in_executor(None, pipe.recv) for pipe in self.pipes)))

    async def start(self, http: Poster) -> None:
        await self.ask("ready")
        while True:  # subscribe messages are not acknowledged: live once a warm-up object reaches everyone
            object_id = await _create(http, self.type_id)
            if all(await self.ask("wait", object_id, 0.5)):
                return

    async def wait_for(self, object_id: str, timeout: float) -> bool:
        return all(await self.ask("wait", object_id, timeout))

    async def arrivals(self) -> list[dict[str, float]]:
        return [arrived for reply in await self.ask("arrivals") for arrived in reply]

    async def close(self) -> None:
        await self.ask("stop")
        for worker in self.workers:
            worker.join(10)


def _client_process(pipe: Connection, host: str, token: str, type_id: str, count: int, kind: str) -> None:
    """A client process's subscribers, answering the parent's commands until told to stop."""
    asyncio.run(_serve_commands(pipe, InProcess(host, token, type_id, count, globals()[kind])))


async def _serve_commands(pipe: Connection, group: InProcess) -> None:
    loop = asyncio.get_running_loop()
    group.subscribers = [group.kind(group.host, group.token, group.type_id) for _ in range(group.count)]
    for s in group.subscribers:
        s.task = asyncio.create_task(s.run())
    await asyncio.gather(*(s.ready.wait() for s in group.subscribers))
    while True:
        command, *args = await loop.run_in_executor(None, pipe.recv)
        if command == "ready":
            pipe.send(True)
        elif command == "wait":
            pipe.send(await group.wait_for(*args))
        elif command == "arrivals":
            pipe.send(await group.arrivals())
        else:
            await group.close()
            pipe.send(True)
            return


SubscriberGroup = InProcess | ClientProcesses


async def _all_have(subscribers: list[Listener], object_id: str, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not all(object_id in s.arrived for s in subscribers):
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.0005)
    return True


async def _throughput(host: str, token: str, type_id: str, http: httpx.AsyncClient, count: int) -> tuple[float, float]:
    subscribers = await _subscribers(host, token, type_id, http, count)
    for s in subscribers:
        s.arrived.clear()
    created: list[str] = []
    stop_at = time.perf_counter() + THROUGHPUT_SECONDS

    async def creator() -> None:
        while time.perf_counter() < stop_at:
            created.append(await _create(http, type_id))

    try:
        started = time.perf_counter()
        await asyncio.gather(*(creator() for _ in range(8)))
        deadline = time.perf_counter() + 30
        wanted = set(created)
        while time.perf_counter() < deadline and not all(wanted <= set(s.arrived) for s in subscribers):
            await asyncio.sleep(0.05)
        finished = max(max(s.arrived.values(), default=started) for s in subscribers)
    finally:
        await _close(subscribers)
    delivered = sum(len(wanted & set(s.arrived)) for s in subscribers)
    elapsed = finished - started
    return len(created) / elapsed, delivered / elapsed


async def _idle_memory(host: str, token: str, type_id: str, pid: int) -> tuple[float, float, int]:
    before = _rss_mb(pid)
    sockets = []
    query = "subscription($t: ID) { objectEvents(objectTypeId: $t) { objectId } }"
    try:
        for i in range(IDLE_CONNECTIONS):
            ws = await websockets.connect(f"ws://{host}/graphql", subprotocols=["graphql-transport-ws"], ping_interval=None)  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
            await ws.recv()
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"t": type_id}}}))
            sockets.append(ws)
            if i % 500 == 499:
                await asyncio.sleep(0.5)
        await asyncio.sleep(3)
        after = _rss_mb(pid)
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return before, after, len(sockets)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def _measure(host: str, token: str, type_id: str) -> None:
    raw = RawHttp(host, token)
    async with httpx.AsyncClient(base_url=f"http://{host}", headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        print("latency from sending the create request (and from receiving its answer), ms")
        print(f"{'clients':>22} {'subscribers':>11} {'p50':>8} {'p99':>8} {'samples':>8} {'create p50':>11} {'after p50':>10} {'after p99':>10} {'spread p50':>11}")
        stacks: tuple[tuple[str, Poster, type[Listener]], ...] = (
            ("gql + httpx", http, Subscriber), ("gql/aiohttp + raw", raw, AiohttpSubscriber), ("lean ws + raw http", raw, LeanSubscriber),
        )
        runs = [(label, poster, kind, count, 1) for label, poster, kind in stacks for count in (1, 100)]
        if CLIENT_PROCESSES > 1:
            runs += [(f"{label} x{CLIENT_PROCESSES}", poster, kind, 100, CLIENT_PROCESSES) for label, poster, kind in stacks]
        for label, poster, kind, count, processes in runs:
            r = await _latency(host, token, type_id, poster, count, kind, processes)
            print(f"{label:>22} {count:11d} {r.p50:8.2f} {r.p99:8.2f} {r.samples:8d} {r.create_p50:11.2f} {r.after_p50:10.2f} {r.after_p99:10.2f} {r.spread_p50:11.2f}", flush=True)
        await raw.close()
        events, deliveries = await _throughput(host, token, type_id, http, 100)
        print(f"sustained, 100 subscribers (gql + httpx): {events:.0f} events/s created, {deliveries:.0f} deliveries/s", flush=True)


if __name__ == "__main__":
    main()
