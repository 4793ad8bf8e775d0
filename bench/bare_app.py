"""Baseline: bare Starlette + asyncpg doing what GET /v1/keys does (auth lookup, tenant, list), nothing else.

    uvicorn --factory bench.bare_app:create --port 8100   (BENCH_DATABASE_URL=postgres://…)
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

LIST = (
    "SELECT id, tenant_id, label, prefix, scopes, ip_allowlist, expires_at, rate_limit, parent_key_id,"
    " revoked_at, last_used_at, created_at, updated_at FROM api_keys"
    " WHERE tenant_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 50"
)


def create() -> Starlette:
    pool: asyncpg.Pool | None = None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        pool = await asyncpg.create_pool(os.environ["BENCH_DATABASE_URL"], min_size=4, max_size=10)
        yield
        await pool.close()

    async def keys(request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        assert pool is not None
        async with pool.acquire() as conn:
            key = await conn.fetchrow(
                "SELECT tenant_id, revoked_at FROM api_keys WHERE token_hash = $1", hashlib.sha256(token.encode()).hexdigest()
            )
            if key is None or key["revoked_at"] is not None:
                return Response('{"success":false}', status_code=401, media_type="application/json")
            await conn.fetchrow("SELECT status FROM tenants WHERE id = $1", key["tenant_id"])
            rows = await conn.fetch(LIST, key["tenant_id"])
        data = [{**dict(r), "scopes": json.loads(r["scopes"]), "ip_allowlist": json.loads(r["ip_allowlist"])} for r in rows]
        body = {"success": True, "data": data, "request_id": "req_" + secrets.token_hex(12)}
        return Response(json.dumps(body, default=str), media_type="application/json")

    return Starlette(routes=[Route("/v1/keys", keys)], lifespan=lifespan)
