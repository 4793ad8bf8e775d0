"""Test helpers: tenants built through the service layer, and one client for both transports."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from resolvers.api_keys.service import create_root_key
from resolvers.principal import Principal
from resolvers.tenants.service import create_tenant


@dataclass(frozen=True)
class TenantHandle:
    tenant_id: str
    key_id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def streamed(http: httpx.AsyncClient, path: str, *, headers: dict[str, str], timeout: float) -> AsyncIterator[httpx.Response]:
    """`http.stream("GET", …)` whose answer must arrive within `timeout`: a stream's reads have no
    timeout (it idles between events), so a server that never answers would hang the test."""
    response = await asyncio.wait_for(http.send(http.build_request("GET", path, headers=headers), stream=True), timeout)
    try:
        yield response
    finally:
        await response.aclose()


async def make_tenant(name: str = "Acme", *, email: str | None = None, scopes: list[str] | None = None) -> TenantHandle:
    tenant = await create_tenant(name, owner_email=email)
    created = await create_root_key(tenant.id, label="root", scopes=scopes or ["*"])
    return TenantHandle(tenant_id=tenant.id, key_id=created.key.id, token=created.token)


class Api:
    """REST calls return the parsed envelope; GraphQL calls return the parsed GraphQL answer."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def rest(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {**(bearer(token) if token else {}), **kwargs.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def gql(self, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=bearer(token) if token else {}
        )
        return response.json()

    async def write_hook_statistics(self) -> None:
        """Hook runs are tallied and written off the request path (Emitter.count_success): write
        those of the runs so far, as the app would within a second."""
        app = getattr(self.client._transport, "app", None)
        if app is not None:
            await app.state.runtime.extensions.settled()


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert body["success"] is False, body
    assert body["request_id"].startswith("req_") or body["request_id"]
    return body["error"]["code"]


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True and body["request_id"], body
    return body["data"]


def gql_code(result: dict[str, Any]) -> str:
    assert result.get("errors"), result
    return result["errors"][0]["extensions"]["code"]


def principal_of(tenant: TenantHandle, scopes: frozenset[str] = frozenset({"*"})) -> Principal:
    return Principal(tenant_id=tenant.tenant_id, kind="api_key", scopes=scopes, key_id=tenant.key_id)


async def make_type(tenant: TenantHandle, name: str, properties: list[dict[str, Any]] | None = None) -> str:
    """An object type with properties, built through the service layer; returns its id."""
    from resolvers.object_types.schemas import TypeCreate
    from resolvers.object_types.service import create_type
    from resolvers.properties.schemas import PropertyCreate
    from resolvers.properties.service import create_property

    caller = principal_of(tenant)
    object_type = await create_type(caller, TypeCreate(name=name))
    for spec in properties or []:
        await create_property(caller, object_type.id, PropertyCreate(**spec))
    return object_type.id


async def make_objects(tenant: TenantHandle, type_id: str, values: list[dict[str, Any]]) -> list[str]:
    from resolvers.objects.service import create_many

    ids: list[str] = []
    for start in range(0, len(values), 100):
        ids += await create_many(principal_of(tenant), type_id, [{"properties": v} for v in values[start : start + 100]])
    return ids


async def property_indexes(property_id: str) -> dict[str, str]:
    """The database indexes on `objects` named after a property (`ix_…`, `ux_…`): name -> definition."""
    from tortoise import connections

    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        sql = "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'objects' AND indexname LIKE $1"
    else:
        sql = "SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND tbl_name = 'objects' AND name LIKE ?"
    return {row["name"]: row["definition"] for row in await connection.execute_query_dict(sql, [f"%{property_id}"])}


class SqlLog(logging.Handler):
    """The statements the ORM's client sends that `keep` accepts (it logs every one at DEBUG)."""

    def __init__(self, keep: Callable[[str], bool]) -> None:
        super().__init__(logging.DEBUG)
        self.keep = keep
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip()
        if self.keep(message):
            self.statements.append(message)


@contextmanager
def logged_sql(keep: Callable[[str], bool]) -> Iterator[SqlLog]:
    logger, log = logging.getLogger("tortoise.db_client"), SqlLog(keep)
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(log)
    try:
        yield log
    finally:
        logger.removeHandler(log)
        logger.setLevel(previous)


# --- the event log -------------------------------------------------------------------------


def _json(value: Any) -> Any:
    from models import jsoncodec

    return jsoncodec.loads(value) if isinstance(value, (str, bytes)) else value


async def event_rows(tenant_id: str) -> list[dict[str, Any]]:
    """Every event row of the tenant in insertion order, JSON decoded."""
    from resolvers import db

    sql = db.Sql(db.dialect())
    rows = await db.fetch(
        "SELECT id, seq, type, custom, object_type_id, object_id, data, changed, actor, created_at, published_at "
        f"FROM events WHERE tenant_id = {sql.param(tenant_id)} ORDER BY id",
        sql.params,
    )
    return [{**r, "custom": bool(r["custom"]), "data": _json(r["data"]), "changed": _json(r["changed"])} for r in rows]


async def drain(relay: Any, *tenant_ids: str, deadline_seconds: float = 10.0) -> None:
    """Run the relay until every event of these tenants has a seq (another relay may hold some a moment)."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        await relay.run_once()
        pending = [r for t in tenant_ids for r in await event_rows(t) if r["seq"] is None]
        if not pending:
            return
        assert time.monotonic() < deadline, f"{len(pending)} events never got a seq"
        await asyncio.sleep(0.01)


# --- connections ---------------------------------------------------------------------------


def pool() -> Any:
    """The pool itself, also from inside a transaction (whose client has none of its own)."""
    from tortoise import connections

    client = connections.get("default")
    return getattr(client, "_parent", client)._pool


@asynccontextmanager
async def request_connection() -> AsyncIterator[None]:
    """What a request has when its mutation starts: a held connection, taken by authentication."""
    from resolvers import db

    async with db.held_connection():
        await db.fetch("SELECT 1 AS authenticated")
        yield
