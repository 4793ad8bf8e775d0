#!/usr/bin/env python3
"""Where does a request's CPU go? Drive the app in-process (no network, no wrk) under cProfile.

    make profile-data    # or: scripts/test_services.py -- python bench/profile_requests.py [TARGET ...]

Targets: get, get-graphql, create, create-graphql, create-hooked (create with one trivial active
filter hook, `return payload;`), list, list-1 (the same list of one row: what the rows cost is the
difference), list-graphql, health (the fixed cost of any request), and bare-get, bare-create,
bare-list (the baseline app of bench/bare_app.py). Each runs
sequentially `PROFILE_REQUESTS` times (default 2000) against PostgreSQL with `BENCH_OBJECTS`
objects (default 10,000) and prints wall and CPU time per request; then, unless `PROFILE_TOP=0`,
the same again under cProfile: own time grouped by package, and the top functions
(`PROFILE_SORT`, default tottime). `PROFILE_DUMP=DIR` also writes each target's stats to
DIR/<target>.pstats for `pstats` (callers and callees).
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("BENCH_OBJECTS", "10000")

from bench import bare_app  # noqa: E402
from bench.data_plane import FIELDS, FILTER, _prepare, graphql_list  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from graphql_api.settings import load_settings  # noqa: E402

REQUESTS = int(os.environ.get("PROFILE_REQUESTS", "2000"))
TOP = int(os.environ.get("PROFILE_TOP", "25"))  # 0: time only, no profile
BROADCAST = os.environ.get("PROFILE_BROADCAST", "memory://")  # e.g. the test Redis: events then go through it, as in the bench


class Call:
    """One HTTP request through the ASGI app, collecting status and body."""

    def __init__(self, method: str, path: str, token: str, body: bytes = b"") -> None:
        path, _, query = path.partition("?")
        headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
        if body:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        self.scope: dict[str, Any] = {
            "type": "http", "http_version": "1.1", "method": method, "path": path, "raw_path": path.encode(),
            "query_string": query.encode(), "headers": headers, "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 8000), "scheme": "http", "root_path": "",
        }
        self.body = body

    async def __call__(self, app: Any) -> tuple[int, bytes]:
        sent = False
        status, chunks = 0, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app({**self.scope, "state": {}, "app": app}, receive, send)
        return status, b"".join(chunks)


def calls(token: str, type_id: str, object_id: str) -> dict[str, Call]:
    list_query = f"filter={quote(json.dumps(FILTER))}&sort=score&order=asc&limit=20"
    return {
        "get": Call("GET", f"/v1/objects/{type_id}/{object_id}", token),
        "get-graphql": Call("POST", "/graphql", token, json.dumps(
            {"query": f'{{ object(objectTypeId: "{type_id}", id: "{object_id}") {{ {FIELDS} }} }}'}).encode()),
        "create": Call("POST", f"/v1/objects/{type_id}", token, json.dumps({"properties": {"name": "p", "score": 7}}).encode()),
        "create-graphql": Call("POST", "/graphql", token, json.dumps(
            {"query": f'mutation {{ createObject(objectTypeId: "{type_id}", properties: {{name: "p", score: 7}}) {{ {FIELDS} }} }}'}).encode()),
        "create-hooked": Call("POST", f"/v1/objects/{type_id}", token, json.dumps({"properties": {"name": "p", "score": 7}}).encode()),
        "list": Call("GET", f"/v1/objects/{type_id}/list?{list_query}", token),
        "list-1": Call("GET", f"/v1/objects/{type_id}/list?{list_query.replace('limit=20', 'limit=1')}", token),  # the list less 19 rows
        "list-graphql": Call("POST", "/graphql", token, json.dumps({"query": graphql_list(type_id)}).encode()),
        "health": Call("GET", "/health", token),  # the fixed cost: middleware, auth, routing, GraphQL, envelope
        "bare-get": Call("GET", f"/v1/objects/{type_id}/{object_id}", token),
        "bare-create": Call("POST", f"/v1/objects/{type_id}", token, json.dumps({"properties": {"name": "p", "score": 7}}).encode()),
        "bare-list": Call("GET", f"/v1/objects/{type_id}/list?{list_query}", token),
    }


async def run(names: list[str]) -> None:
    database_url = os.environ.get("BASALT_TEST_DATABASE_URL") or sys.exit("needs BASALT_TEST_DATABASE_URL (scripts/test_services.py)")
    var = Path(tempfile.mkdtemp(prefix="basalt-profile-"))
    env = {"BASALT_ENV": "production", "BASALT_SECRET_KEY": "b" * 40, "BASALT_VAR_DIR": str(var), "BASALT_WORKERS": "false",
           "BASALT_DATABASE_URL": database_url, "BASALT_BROADCAST_URL": BROADCAST, "BASALT_STORAGE_URL": f"file://{var}/files"}
    token, type_id, object_id = await _prepare(env)
    os.environ["BENCH_DATABASE_URL"] = database_url
    apps = {"basalt": create_app(load_settings(env)), "bare": bare_app.create()}
    table = calls(token, type_id, object_id)
    async with _lifespan(apps["basalt"]), _lifespan(apps["bare"]):
        for name in names or list(table):
            call, app = table[name], apps["bare" if name.startswith("bare-") else "basalt"]
            hook = await _trivial_hook(app, token) if name == "create-hooked" else None
            status, body = await call(app)
            assert status < 300, (name, status, body[:300])
            for _ in range(50):
                await call(app)
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(REQUESTS):
                await call(app)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"\n=== {name}: {wall / REQUESTS * 1000:.3f} ms wall, {cpu / REQUESTS * 1000:.3f} ms CPU per request"
                  f" (sequential; CPU is this process only) ===")
            if TOP:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(REQUESTS):
                    await call(app)
                profiler.disable()
                stats = pstats.Stats(profiler)
                if os.environ.get("PROFILE_DUMP"):  # a directory: one pstats file per target, for pstats' callers/callees
                    stats.dump_stats(Path(os.environ["PROFILE_DUMP"]) / f"{name}.pstats")
                print_by_package(stats, REQUESTS)
                stats.sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(TOP)
            if hook:
                await Call("DELETE", f"/v1/extensions/{hook}", token)(app)


async def _trivial_hook(app: Any, token: str) -> str:
    body = {"name": "bench", "event": "items.items.create", "type": "filter", "code": "return payload;", "status": "active"}
    status, answer = await Call("POST", "/v1/extensions", token, json.dumps(body).encode())(app)
    assert status == 201, answer
    return str(json.loads(answer)["data"]["id"])


def print_by_package(stats: pstats.Stats, requests: int) -> None:
    """Own time per request grouped by package: which layer costs what."""
    totals: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        totals[_package(filename)] = totals.get(_package(filename), 0.0) + tottime
    for package, seconds in sorted(totals.items(), key=lambda item: -item[1])[:15]:
        print(f"  {package:28} {seconds / requests * 1000:7.3f} ms")


def _package(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    if str(ROOT) in filename:
        return "basalt:" + filename.split(str(ROOT) + "/")[1].split("/")[0]
    return "python" if "/lib/python" in filename else filename


class _lifespan:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def __aenter__(self) -> None:
        self.task = asyncio.create_task(self.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, self.queue.get, self.sent.put))
        await self.queue.put({"type": "lifespan.startup"})
        message = await self.sent.get()
        assert message["type"] == "lifespan.startup.complete", message

    async def __aexit__(self, *exc: object) -> None:
        await self.queue.put({"type": "lifespan.shutdown"})
        await self.sent.get()
        await self.task


if __name__ == "__main__":
    import uvloop  # a dependency (uvicorn[standard]): profile the loop the server runs on

    uvloop.install()
    asyncio.run(run(sys.argv[1:]))
