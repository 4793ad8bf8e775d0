#!/usr/bin/env python3
"""Data-plane benchmark: 100,000 objects of one type on PostgreSQL, one server worker, 32 connections.

Targets, each via REST and GraphQL and beside the bare Starlette + asyncpg baseline doing the
same SQL: get-by-id, create, and a list of 20 filtered and sorted on an indexed integer property.
Run by hand with `make bench-data` (it starts PostgreSQL and Redis on free ports). The targets run
in `BENCH_ROUNDS` interleaved rounds (default 3) of `BENCH_DURATION` each; the figures are the
medians, and "vs bare" is the median of the per-round ratios, since this box's speed drifts over
minutes by as much as the differences being measured.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from statistics import median
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import CONNECTIONS, DURATION, _serve, _wait, _wrk  # noqa: E402
from graphql_api.db import close_orm, init_orm, migrate  # noqa: E402
from graphql_api.settings import load_settings  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from models.tenants import Tenant  # noqa: E402
from resolvers.events import repository as events  # noqa: E402
from tests.support import make_objects, make_tenant, make_type  # noqa: E402

OBJECTS = int(os.environ.get("BENCH_OBJECTS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ONLY = {o for o in os.environ.get("BENCH_ONLY", "").split(",") if o}  # e.g. "create": run those operations only
WORKERS = os.environ.get("BENCH_WORKERS", "false")  # "true": the server also runs the event relay and the workers
# Another source tree of Basalt (e.g. `git worktree add /tmp/prev HEAD~1`): its server runs beside this one, as
# "REST@other" and "GraphQL@other", in the same interleaved rounds: an A/B comparison on the same box at the same time.
OTHER_TREE = os.environ.get("BENCH_OTHER_TREE")
# Where the servers publish events: Redis (production's setting) unless `BENCH_BROADCAST=memory://`.
BROADCAST = os.environ.get("BENCH_BROADCAST") or os.environ.get("BASALT_TEST_REDIS_URL", "memory://")
# A directory: after the measured rounds, each target runs once more with its server under `py-spy record`
# (py-spy must be on PATH; it is not a dependency), which writes DIR/<operation>-<via>.raw: collapsed stacks of
# the server under the same load, for `bench/spy_summary.py`. Those runs are not in the figures.
SPY_DIR = os.environ.get("BENCH_PYSPY")
SPY_NATIVE = os.environ.get("BENCH_PYSPY_NATIVE") == "1"  # also C and Cython frames (py-spy then pauses the server to sample)
# A CPU number: each server runs on that CPU alone. Start the bench on the other CPUs, e.g.
# `BENCH_SERVER_CPU=1 taskset -c 0 make bench-data`, so PostgreSQL, wrk and the bench (which inherit
# the affinity) never take the server's core: the figures are then what one worker does with a core of
# its own, which a shared 2-core box otherwise cannot show (wrk and PostgreSQL take most of a core).
SERVER_CPU = os.environ.get("BENCH_SERVER_CPU")
FILTER = {"score": {"gte": OBJECTS - 1000}}  # 1,000 matches, the first 20 by score
FIELDS = "id objectTypeId tenantId properties createdAt updatedAt createdBy version isDeleted"


def graphql_list(type_id: str) -> str:
    """The list target's GraphQL document: the REST list's filter, sort and page as a Relay connection."""
    return (f'{{ objects(objectTypeId: "{type_id}", where: {{score: {{gte: {OBJECTS - 1000}}}}}, orderBy: "score", order: "asc", first: 20)'
            f' {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {FIELDS} }} }} }} }}')


def main() -> None:
    database_url = os.environ.get("BASALT_TEST_DATABASE_URL") or sys.exit("run through `make bench-data` (needs PostgreSQL)")
    var = Path(tempfile.mkdtemp(prefix="basalt-bench-"))
    env = {"BASALT_ENV": "production", "BASALT_SECRET_KEY": "b" * 40, "BASALT_VAR_DIR": str(var), "BASALT_WORKERS": WORKERS,
           "BASALT_DATABASE_URL": database_url, "BASALT_BROADCAST_URL": BROADCAST,
           "BASALT_STORAGE_URL": f"file://{var}/files"}
    token, type_id, object_id = asyncio.run(_prepare(env))
    basalt_port, bare_port, other_port = free_port(), free_port(), free_port()
    uvicorn = ["-m", "uvicorn", "--log-level", "warning", "--no-access-log", "--factory"]
    servers = [
        _serve([*uvicorn, "graphql_api.app:app_from_env", "--port", str(basalt_port)], env),
        _serve([*uvicorn, "bench.bare_app:create", "--port", str(bare_port)], {"BENCH_DATABASE_URL": database_url}),
    ]
    if OTHER_TREE:  # `python -m` puts its working directory first on sys.path: the other tree's code runs
        servers.append(subprocess.Popen([sys.executable, *uvicorn, "graphql_api.app:app_from_env", "--port", str(other_port)],
                                        env={**os.environ, **env}, cwd=OTHER_TREE))
    basalt, bare, other = f"http://127.0.0.1:{basalt_port}", f"http://127.0.0.1:{bare_port}", f"http://127.0.0.1:{other_port}"
    list_query = f"filter={quote(json.dumps(FILTER))}&sort=score&order=asc&limit=20"
    create_body = json.dumps({"properties": {"name": "bench", "score": 7}})
    targets = [
        # lists first: the create runs add rows (and change the table's statistics)
        ("list", "REST", f"{basalt}/v1/objects/{type_id}/list?{list_query}", None),
        ("list", "GraphQL", f"{basalt}/graphql", _graphql(graphql_list(type_id))),
        ("list", "bare", f"{bare}/v1/objects/{type_id}/list?{list_query}", None),
        ("get", "REST", f"{basalt}/v1/objects/{type_id}/{object_id}", None),
        ("get", "GraphQL", f"{basalt}/graphql", _graphql(f'{{ object(objectTypeId: "{type_id}", id: "{object_id}") {{ {FIELDS} }} }}')),
        ("get", "bare", f"{bare}/v1/objects/{type_id}/{object_id}", None),
        ("create", "REST", f"{basalt}/v1/objects/{type_id}", _post(create_body)),
        ("create", "GraphQL", f"{basalt}/graphql", _graphql(
            f'mutation {{ createObject(objectTypeId: "{type_id}", properties: {{name: "bench", score: 7}}) {{ {FIELDS} }} }}')),
        ("create", "bare", f"{bare}/v1/objects/{type_id}", _post(create_body)),
    ]
    if OTHER_TREE:
        targets = [row for t in targets for row in ([t, (t[0], f"{t[1]}@other", t[2].replace(basalt, other), t[3])] if t[1] != "bare" else [t])]
    targets = [t for t in targets if not ONLY or t[0] in ONLY]
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}  # the server process's CPU ms per request, per round
    kernel: dict[tuple[str, str], list[float]] = {}  # of which in the kernel (system time: sockets, mostly)
    if SERVER_CPU is not None:
        for server in servers:
            os.sched_setaffinity(server.pid, {int(SERVER_CPU)})
    pids = {"bare": servers[1].pid, "REST@other": servers[-1].pid, "GraphQL@other": servers[-1].pid}
    try:
        for port in (basalt_port, bare_port, other_port)[:len(servers)]:
            _wait(port)
        for round_ in range(ROUNDS):  # interleaved, so a slow spell of the box hits all three alike
            for operation, via, url, body in targets:
                script = _script(var, f"{operation}-{via}", body)
                if round_ == 0:
                    _wrk(url, token, script, "2s")  # warm-up
                pid = pids.get(via, servers[0].pid)
                before = _cpu_seconds(pid)
                outcome = _wrk(url, token, script, DURATION)
                after = _cpu_seconds(pid)
                requests = outcome[0] * _seconds(DURATION)
                results.setdefault((operation, via), []).append(outcome)
                cpu.setdefault((operation, via), []).append((sum(after) - sum(before)) * 1000 / requests)
                kernel.setdefault((operation, via), []).append((after[1] - before[1]) * 1000 / requests)
        if SPY_DIR:
            _spy_runs(Path(SPY_DIR), targets, pids, servers[0].pid, token, var)
    finally:
        _stop(servers)
    print(f"\n{OBJECTS} objects, {CONNECTIONS} connections, {ROUNDS} round(s) of {DURATION} per target, interleaved")
    print(f"{'operation':10} {'via':14} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8} {'cpu ms':>7} {'sys ms':>7}  per round (vs bare)")
    for (operation, via), runs in results.items():
        bare_runs = results[(operation, "bare")]
        ratios = [rps / bare[0] for (rps, _, _), bare in zip(runs, bare_runs)]
        rps, p50, p99 = (median(r[i] for r in runs) for i in range(3))
        rounds = ", ".join(f"{r[0]:.0f} ({ratio:.2f})" for r, ratio in zip(runs, ratios))
        print(f"{operation:10} {via:14} {rps:8.0f} {p50:8.2f} {p99:8.2f} {median(ratios):8.2f} {median(cpu[(operation, via)]):7.3f} {median(kernel[(operation, via)]):7.3f}  {rounds}")


def _spy_runs(out: Path, targets: list[tuple[str, str, str, str | None]], pids: dict[str, int], basalt_pid: int, token: str, var: Path) -> None:
    """Each target once more under wrk, with py-spy sampling its server (not measured)."""
    out.mkdir(parents=True, exist_ok=True)
    for operation, via, url, body in targets:
        raw = out / f"{operation}-{via.replace('@', '-')}.raw"
        spy = subprocess.Popen(["py-spy", "record", "--pid", str(pids.get(via, basalt_pid)), "--rate", "500", "--format", "raw",
                                "--output", str(raw), *(["--native"] if SPY_NATIVE else ["--nonblocking"])],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wrk(url, token, _script(var, f"{operation}-{via}", body), DURATION)
        finally:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=30)
        print(f"py-spy: {raw}")


def _stop(servers: list[subprocess.Popen[bytes]]) -> None:
    """Stop every server, even when one is slow to shut down (none is left running)."""
    for server in servers:
        server.terminate()
    for server in servers:
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            print(f"server {server.args[-5:]} did not stop within 10 s; killed", file=sys.stderr)
            server.kill()


def _cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _seconds(duration: str) -> float:
    """wrk's duration ("5s", "1m") in seconds."""
    return float(duration[:-1]) * {"s": 1, "m": 60}[duration[-1]]


def _graphql(query: str) -> str:
    return json.dumps({"query": query})


def _post(body: str) -> str:
    return body


def _script(var: Path, name: str, body: str | None) -> Path | None:
    if body is None:
        return None
    path = var / f"{name}.lua"
    path.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ' + json.dumps(body) + "\n")
    return path


async def _prepare(env: dict[str, str]) -> tuple[str, str, str]:
    """A tenant, a type with an indexed integer `score`, and OBJECTS objects (bulk SQL insert)."""
    settings = load_settings(env)
    await migrate(settings)
    await init_orm(settings)
    try:
        tenant = await make_tenant("Bench")
        await Tenant.filter(id=tenant.tenant_id).update(plan_tier="enterprise")  # the free plan stops at 10,000 objects
        type_id = await make_type(tenant, "items", [
            {"name": "name", "data_type": "string"},
            {"name": "score", "data_type": "integer", "is_indexed": True, "is_sortable": True},
        ])
        object_id = (await make_objects(tenant, type_id, [{"name": "first", "score": -1}]))[0]
        from resolvers import db

        await db.execute(
            "INSERT INTO objects (id, tenant_id, object_type_id, properties, version, created_at, updated_at)"
            " SELECT 'obj_b' || lpad(i::text, 19, '0'), $1, $2, jsonb_build_object('name', 'item ' || i, 'score', i), 1,"
            " now() - (i || ' seconds')::interval, now() FROM generate_series(1, $3::int) AS i",
            [tenant.tenant_id, type_id, OBJECTS],
        )
        await db.execute("ANALYZE objects")
        # Number the events so far, as any server's relay would have: the tenant then has its event
        # counter, so each create numbers its event in its own statement and this process hands it
        # over and publishes it, which is production's path (without a counter nothing publishes).
        await events.sequence_batch(1000, datetime.now(timezone.utc))
        return tenant.token, type_id, object_id
    finally:
        await close_orm()


if __name__ == "__main__":
    main()
