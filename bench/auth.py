#!/usr/bin/env python3
"""End-user auth benchmark: one server worker on PostgreSQL + Redis.

1. What verifying an access token costs: `GET /v1/object-types/:id` with the tenant's API key and
   with a user's access token, each under `wrk -t2 -c32` (the same route, so the difference is
   the authentication: a key lookup against JWT verification plus the session check).
2. Login throughput with 16 concurrent clients (many accounts, so the per-account limit does not
   apply), bounded by argon2 (about 100 ms of CPU per login, run in threads).
3. Whether the event loop stays responsive while logins run: p99 of `GET /health` (one client,
   sequential) while 20 logins per second run.
Targets: the token adds under 0.2 ms per request; health p99 under 50 ms during 20 logins/s.
Run by hand with `make bench-auth`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.data_plane import _stop  # noqa: E402
from bench.run import CONNECTIONS, DURATION, _serve, _wait, _wrk  # noqa: E402
from graphql_api.db import close_orm, init_orm, migrate  # noqa: E402
from graphql_api.settings import load_settings  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.support import make_tenant, make_type  # noqa: E402

ACCOUNTS = 400
PASSWORD = "bench password 1"
LOGIN_SECONDS = float(os.environ.get("BENCH_LOGIN_SECONDS", "10"))


def main() -> None:
    database_url = os.environ.get("BASALT_TEST_DATABASE_URL") or sys.exit("run through `make bench-auth` (needs PostgreSQL)")
    var = Path(tempfile.mkdtemp(prefix="basalt-bench-auth-"))
    env = {"BASALT_ENV": "production", "BASALT_SECRET_KEY": "b" * 40, "BASALT_VAR_DIR": str(var), "BASALT_DATABASE_URL": database_url,
           "BASALT_BROADCAST_URL": os.environ.get("BASALT_TEST_REDIS_URL", "memory://"), "BASALT_STORAGE_URL": f"file://{var}/files",
           "BASALT_LOGIN_RATE_LIMIT": "100000"}
    token, type_id = asyncio.run(_prepare(env))
    port = free_port()
    server = _serve(["-m", "uvicorn", "--factory", "graphql_api.app:app_from_env", "--port", str(port), "--log-level", "warning", "--no-access-log"], env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(port)
        emails = asyncio.run(_sign_up(base, token))
        user_token = asyncio.run(_login(base, token, emails[0]))
        url = f"{base}/v1/object-types/{type_id}"
        results = []
        for label, bearer in (("API key", token), ("access token", user_token)):
            _wrk(url, bearer, None, "2s")
            results.append((label, *_wrk(url, bearer, None, DURATION)))
        print(f"\nGET /v1/object-types/:id, {CONNECTIONS} connections, {DURATION}")
        print(f"{'bearer':14} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ms/request':>11}")
        for label, rps, p50, p99 in results:
            print(f"{label:14} {rps:8.0f} {p50:8.2f} {p99:8.2f} {1000 / rps:11.3f}")
        print(f"the access token adds {1000 / results[1][1] - 1000 / results[0][1]:.3f} ms of server time per request")
        asyncio.run(_logins(base, token, emails))
    finally:
        _stop([server])


async def _prepare(env: dict[str, str]) -> tuple[str, str]:
    settings = load_settings(env)
    await migrate(settings)
    await init_orm(settings)
    try:
        tenant = await make_tenant("Auth bench")
        return tenant.token, await make_type(tenant, "things")
    finally:
        await close_orm()


async def _sign_up(base: str, token: str) -> list[str]:
    emails = [f"user{i}@bench.example" for i in range(ACCOUNTS)]
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        semaphore = asyncio.Semaphore(8)

        async def one(email: str) -> None:
            async with semaphore:
                (await http.post("/v1/auth/signup", json={"email": email, "password": PASSWORD})).raise_for_status()

        await asyncio.gather(*(one(e) for e in emails))
    return emails


async def _login(base: str, token: str, email: str) -> str:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        response = await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
        response.raise_for_status()
        return str(response.json()["data"]["access_token"])


async def _logins(base: str, token: str, emails: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        accounts = iter(emails * 10)

        async def login() -> None:
            (await http.post("/v1/auth/login", json={"email": next(accounts), "password": PASSWORD})).raise_for_status()

        # 1. throughput: 16 clients logging in as fast as they can
        done = 0
        stop_at = time.perf_counter() + LOGIN_SECONDS

        async def client() -> None:
            nonlocal done
            while time.perf_counter() < stop_at:
                await login()
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(16)))
        print(f"\nlogins: {done / (time.perf_counter() - started):.1f} per second with 16 concurrent clients")

        # 2. responsiveness: health checks while 20 logins per second run
        latencies: list[float] = []
        stop_at = time.perf_counter() + LOGIN_SECONDS

        async def paced_logins() -> None:
            tasks = []
            while time.perf_counter() < stop_at:
                tasks.append(asyncio.create_task(login()))
                await asyncio.sleep(1 / 20)
            await asyncio.gather(*tasks)

        async def health() -> None:
            async with httpx.AsyncClient(base_url=base, timeout=60) as probe:
                while time.perf_counter() < stop_at:
                    began = time.perf_counter()
                    (await probe.get("/health")).raise_for_status()
                    latencies.append((time.perf_counter() - began) * 1000)
                    await asyncio.sleep(0.01)

        await asyncio.gather(paced_logins(), health())
        latencies.sort()
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        print(f"GET /health during 20 logins/s: p50 {statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms ({len(latencies)} requests)")


if __name__ == "__main__":
    main()
