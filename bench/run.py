#!/usr/bin/env python3
"""Benchmark GET /v1/keys and the same GraphQL query against a bare Starlette + asyncpg baseline.

Run by hand with `make bench` (it starts PostgreSQL and Redis on free ports). Each target gets a
warm-up and then ~10 s at 32 connections from wrk, one server process each, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphql_api.db import close_orm, init_orm, migrate  # noqa: E402
from graphql_api.settings import load_settings  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.support import make_tenant  # noqa: E402

DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "32")
GRAPHQL_QUERY = "{ apiKeys { id tenantId label prefix scopes ipAllowlist expiresAt rateLimit parentKeyId status revokedAt lastUsedAt createdAt updatedAt } }"


def main() -> None:
    database_url = os.environ.get("BASALT_TEST_DATABASE_URL") or sys.exit("run through `make bench` (needs PostgreSQL)")
    if not shutil.which("wrk"):
        subprocess.check_call(["apt-get", "install", "-y", "-q", "wrk"])
    var = Path(tempfile.mkdtemp(prefix="basalt-bench-"))
    env = {"BASALT_ENV": "production", "BASALT_SECRET_KEY": "b" * 40, "BASALT_VAR_DIR": str(var),
           "BASALT_DATABASE_URL": database_url, "BASALT_BROADCAST_URL": os.environ.get("BASALT_TEST_REDIS_URL", "memory://"),
           "BASALT_STORAGE_URL": f"file://{var}/files"}
    token = asyncio.run(_prepare(env))
    results = []
    basalt_port, bare_port = free_port(), free_port()
    servers = [
        _serve(["-m", "uvicorn", "--factory", "graphql_api.app:app_from_env", "--port", str(basalt_port), "--log-level", "warning", "--no-access-log"], env),
        _serve(["-m", "uvicorn", "--factory", "bench.bare_app:create", "--port", str(bare_port), "--log-level", "warning", "--no-access-log"],
               {"BENCH_DATABASE_URL": database_url}),
    ]
    try:
        for port in (basalt_port, bare_port):
            _wait(port)
        lua = var / "graphql.lua"
        lua.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ' + json.dumps(json.dumps({"query": GRAPHQL_QUERY})) + "\n")
        targets = [
            ("REST GET /v1/keys", f"http://127.0.0.1:{basalt_port}/v1/keys", None),
            ("GraphQL api_keys", f"http://127.0.0.1:{basalt_port}/graphql", lua),
            ("bare Starlette+asyncpg", f"http://127.0.0.1:{bare_port}/v1/keys", None),
        ]
        for name, url, script in targets:
            _wrk(url, token, script, "2s")  # warm-up
            results.append((name, *_wrk(url, token, script, DURATION)))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    baseline = results[-1][1]
    print(f"\n{'target':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}")
    for name, rps, p50, p99 in results:
        print(f"{name:28} {rps:9.0f} {p50:8.2f} {p99:8.2f} {rps / baseline:8.2f}")


async def _prepare(env: dict[str, str]) -> str:
    settings = load_settings(env)
    await migrate(settings)
    await init_orm(settings)
    try:
        tenant = await make_tenant("Bench")
        from resolvers.api_keys.service import create_root_key

        for i in range(9):
            await create_root_key(tenant.tenant_id, label=f"bench {i}", scopes=["read"])
        return tenant.token
    finally:
        await close_orm()


def _serve(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *args], env={**os.environ, **env}, cwd=ROOT)


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/keys", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start")


def _wrk(url: str, token: str, script: Path | None, duration: str) -> tuple[float, float, float]:
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--latency", "-H", f"Authorization: Bearer {token}"]
    if script:
        args += ["-s", str(script)]
    output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"{url} answered errors under load:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return rps, _latency(output, "50%"), _latency(output, "99%")


def _latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


if __name__ == "__main__":
    main()
