#!/usr/bin/env python3
"""Custom endpoint benchmark: the contract's Customer Order Summary (query 5 orders + sum +
transform) against 10,000 orders, beside the same two reads through the plain objects REST
route (the 5 newest orders of the customer, and all of them for the client to sum: there is no
REST aggregate route). Target: the endpoint reaches at least 60% of the pair's combined
throughput, 1 / (1/a + 1/b). Run by hand with `make bench-endpoints`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.data_plane import _stop  # noqa: E402
from bench.run import CONNECTIONS, DURATION, _serve, _wait, _wrk  # noqa: E402
from graphql_api.db import close_orm, init_orm, migrate  # noqa: E402
from graphql_api.settings import load_settings  # noqa: E402
from models.tenants import Tenant  # noqa: E402
from resolvers.custom_endpoints import service as endpoints  # noqa: E402
from resolvers.runtime import Runtime  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.rest_compat.test_custom_endpoints_routes import SUMMARY  # noqa: E402
from tests.support import make_tenant, make_type, principal_of  # noqa: E402

ORDERS = int(os.environ.get("BENCH_ORDERS", "10000"))
CUSTOMERS = 100
CUSTOMER = "cust-7"


def main() -> None:
    database_url = os.environ.get("BASALT_TEST_DATABASE_URL") or sys.exit("run through `make bench-endpoints` (needs PostgreSQL)")
    var = Path(tempfile.mkdtemp(prefix="basalt-bench-"))
    env = {"BASALT_ENV": "production", "BASALT_SECRET_KEY": "b" * 40, "BASALT_VAR_DIR": str(var), "BASALT_WORKERS": "false",
           "BASALT_DATABASE_URL": database_url, "BASALT_BROADCAST_URL": os.environ.get("BASALT_TEST_REDIS_URL", "memory://"),
           "BASALT_STORAGE_URL": f"file://{var}/files"}
    token, type_id = asyncio.run(_prepare(env))
    port = free_port()
    server = _serve(["-m", "uvicorn", "--factory", "graphql_api.app:app_from_env", "--port", str(port), "--log-level", "warning", "--no-access-log"], env)
    base = f"http://127.0.0.1:{port}"
    where = quote(json.dumps({"customer_id": {"eq": CUSTOMER}}))
    targets = [
        ("endpoint summary", f"{base}/v1/x/customers/{CUSTOMER}/summary"),
        ("REST 5 newest", f"{base}/v1/objects/{type_id}/list?filter={where}&sort=created_at&order=desc&limit=5"),
        ("REST all to sum", f"{base}/v1/objects/{type_id}/list?filter={where}&limit=100"),
    ]
    results = {}
    try:
        _wait(port)
        for name, url in targets:
            _wrk(url, token, None, "2s")
            results[name] = _wrk(url, token, None, DURATION)
    finally:
        _stop([server])
    print(f"\n{ORDERS} orders ({ORDERS // CUSTOMERS} per customer), {CONNECTIONS} connections, {DURATION} per target")
    print(f"{'target':20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, (rps, p50, p99) in results.items():
        print(f"{name:20} {rps:8.0f} {p50:8.2f} {p99:8.2f}")
    combined = 1 / (1 / results["REST 5 newest"][0] + 1 / results["REST all to sum"][0])
    ratio = results["endpoint summary"][0] / combined
    print(f"the pair through REST: {combined:.0f} pairs/s; the endpoint: {ratio:.2f}x of it (target >= 0.60)")


async def _prepare(env: dict[str, str]) -> tuple[str, str]:
    settings = load_settings(env)
    await migrate(settings)
    await init_orm(settings)
    try:
        tenant = await make_tenant("Bench")
        await Tenant.filter(id=tenant.tenant_id).update(plan_tier="enterprise")
        type_id = await make_type(tenant, "orders", [
            {"name": "customer_id", "data_type": "string", "is_indexed": True},
            {"name": "total", "data_type": "number"},
            {"name": "status", "data_type": "string"},
        ])
        from resolvers import db

        await db.execute(
            "INSERT INTO objects (id, tenant_id, object_type_id, properties, version, created_at, updated_at)"
            " SELECT 'obj_o' || lpad(i::text, 19, '0'), $1, $2,"
            " jsonb_build_object('customer_id', 'cust-' || (i % $4::int), 'total', (i % 97) + 0.5, 'status', 'completed'), 1,"
            " now() - (i || ' seconds')::interval, now() FROM generate_series(1, $3::int) AS i",
            [tenant.tenant_id, type_id, ORDERS, CUSTOMERS],
        )
        await db.execute("ANALYZE objects")
        runtime = Runtime(secret_key="b" * 40, rate_limiter=None, version="bench", region="local")  # type: ignore[arg-type]
        await endpoints.create_endpoint(principal_of(tenant), dict(SUMMARY), runtime=runtime)
        return tenant.token, type_id
    finally:
        await close_orm()


if __name__ == "__main__":
    main()
