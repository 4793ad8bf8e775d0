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

from graphql_api.db import SESSION_SETTINGS  # the same planner settings as Basalt's connections

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
        pool = await asyncpg.create_pool(os.environ["BENCH_DATABASE_URL"], min_size=4, max_size=10, server_settings=SESSION_SETTINGS)
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

    async def authenticate(conn: asyncpg.Connection, request: Request) -> str | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        key = await conn.fetchrow(
            "SELECT tenant_id, revoked_at FROM api_keys WHERE token_hash = $1", hashlib.sha256(token.encode()).hexdigest()
        )
        if key is None or key["revoked_at"] is not None:
            return None
        await conn.fetchrow("SELECT status FROM tenants WHERE id = $1", key["tenant_id"])
        return key["tenant_id"]

    def envelope(data: object, status: int = 200) -> Response:
        body = {"success": True, "data": data, "request_id": "req_" + secrets.token_hex(12)}
        return Response(json.dumps(body, default=str), status_code=status, media_type="application/json")

    def as_object(row: asyncpg.Record) -> dict[str, object]:
        return {**dict(row), "properties": json.loads(row["properties"]), "is_deleted": False}

    async def get_object(request: Request) -> Response:
        assert pool is not None
        async with pool.acquire() as conn:
            tenant_id = await authenticate(conn, request)
            if tenant_id is None:
                return Response('{"success":false}', status_code=401, media_type="application/json")
            row = await conn.fetchrow(OBJECT + " WHERE tenant_id = $1 AND object_type_id = $2 AND id = $3 AND deleted_at IS NULL",
                                      tenant_id, request.path_params["type_id"], request.path_params["object_id"])
        return envelope(as_object(row)) if row else Response("{}", status_code=404)

    async def create_object(request: Request) -> Response:
        assert pool is not None
        payload = await request.json()
        async with pool.acquire() as conn:
            tenant_id = await authenticate(conn, request)
            if tenant_id is None:
                return Response('{"success":false}', status_code=401, media_type="application/json")
            row = await conn.fetchrow(
                "INSERT INTO objects (id, tenant_id, object_type_id, properties, version, created_at, updated_at)"
                " VALUES ($1, $2, $3, $4::jsonb, 1, now(), now()) RETURNING id, tenant_id, object_type_id, properties,"
                " version, created_by, created_at, updated_at",
                "obj_" + secrets.token_hex(10), tenant_id, request.path_params["type_id"], json.dumps(payload["properties"]),
            )
        return envelope(as_object(row), status=201)

    async def list_objects(request: Request) -> Response:
        assert pool is not None
        where = json.loads(request.query_params["filter"])["score"]["gte"]
        type_id = request.path_params["type_id"]
        condition = (f"tenant_id = $1 AND object_type_id = '{type_id}' AND deleted_at IS NULL"
                     " AND (properties -> 'score') >= $2::jsonb AND (properties -> 'score') < 'false'::jsonb")  # numbers only
        async with pool.acquire() as conn:
            tenant_id = await authenticate(conn, request)
            if tenant_id is None:
                return Response('{"success":false}', status_code=401, media_type="application/json")
            total = await conn.fetchval(f"SELECT count(*) FROM objects WHERE {condition}", tenant_id, json.dumps(where))
            rows = await conn.fetch(f"{OBJECT} WHERE {condition} ORDER BY (properties -> 'score') ASC NULLS LAST, id ASC LIMIT 21",
                                    tenant_id, json.dumps(where))
        return envelope({"results": [as_object(r) for r in rows[:20]], "next_cursor": "x" if len(rows) > 20 else None, "total": total})

    return Starlette(
        routes=[
            Route("/v1/keys", keys),
            Route("/v1/objects/{type_id}/list", list_objects),
            Route("/v1/objects/{type_id}/{object_id}", get_object),
            Route("/v1/objects/{type_id}", create_object, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


OBJECT = "SELECT id, tenant_id, object_type_id, properties, version, created_by, created_at, updated_at FROM objects"
