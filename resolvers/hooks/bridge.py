"""`context.services` for sandboxed code: the only way tenant JavaScript reaches anything.

Every call runs as the principal the code runs for (the caller for filter hooks and http
functions; the hook or function itself after commit), through the same services, scopes and
row-level policies as the API, scoped to its tenant. Writes made here fire hooks again, one level
deeper (`emitter.DEPTH`); past MAX_DEPTH they are refused. `fetch` reaches only the domains the
operator allows (EXTENSION_ALLOWED_DOMAINS), through the webhooks' SSRF-guarded client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from models import jsoncodec
from resolvers import db
from resolvers.authz import require_scope
from resolvers.errors import DomainError, ValidationError
from resolvers.hooks.emitter import DEPTH
from resolvers.principal import Principal
from resolvers.sandbox.schemas import HostCalls, HostError

if TYPE_CHECKING:
    from resolvers.runtime import Runtime

READ_MAX_LIMIT = 100
FETCH_MAX_BODY = 1 << 20
FETCH_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


def host_calls(caller: Principal, runtime: "Runtime", depth: int) -> HostCalls:
    """The host side of `__host(name, args)` for code running as `caller`, `depth` levels deep."""
    services = Services(caller, runtime)
    table: dict[str, Callable[..., Awaitable[Any]]] = {
        "items.readByQuery": services.read_by_query, "items.readOne": services.read_one, "items.createOne": services.create_one,
        "items.updateOne": services.update_one, "items.deleteOne": services.delete_one, "collections": services.collections,
        "fields": services.fields, "mail": services.mail, "cron.trigger": services.cron_trigger, "cron.list": services.cron_list,
        "fetch": services.fetch,
    }

    async def call(name: str, args: list[Any]) -> Any:
        method = table.get(name)
        if method is None:
            raise HostError(f"unknown service {name}")
        token = DEPTH.set(depth)
        try:
            async with db.transaction():  # a savepoint inside a request: a failed call leaves the rest of it usable
                return jsoncodec.plain(await method(*args))
        except TypeError as exc:
            raise HostError(f"{name}: wrong arguments ({exc})") from None
        except DomainError as exc:
            raise HostError(f"{exc.code}: {exc.message}") from None
        finally:
            DEPTH.reset(token)

    return call


def item(record: Any) -> dict[str, Any]:
    """An object as hook code sees it: flat, like a row (`item.title`), with its id."""
    return {**record.properties, "id": record.id}


def directus_filter(value: Any) -> Any:
    """Accept Directus-style operators (`{status: {_eq: 'x'}}`, `_and`, `_or`) as well as ours."""
    if isinstance(value, dict):
        return {(k[1:] if isinstance(k, str) and k.startswith("_") else k): directus_filter(v) for k, v in value.items()}
    if isinstance(value, list):
        return [directus_filter(v) for v in value]
    return value


class Services:
    def __init__(self, caller: Principal, runtime: "Runtime") -> None:
        self.caller = caller
        self.runtime = runtime

    # --- items --------------------------------------------------------------------------------

    async def read_by_query(self, collection: str, query: Any = None) -> list[dict[str, Any]]:
        from resolvers.objects import service as objects

        query = query if isinstance(query, dict) else {}
        sort = query.get("sort")
        order = None
        if isinstance(sort, list):
            sort = sort[0] if sort else None
        if isinstance(sort, str) and sort.startswith("-"):
            sort, order = sort[1:], "desc"
        limit = query.get("limit", 20)
        if not isinstance(limit, int) or not 1 <= limit <= READ_MAX_LIMIT:
            raise ValidationError.single("limit", f"must be between 1 and {READ_MAX_LIMIT}")
        offset = query.get("offset", 0)
        page = await objects.list_objects(
            self.caller, str(collection), where=directus_filter(query.get("filter")), sort=sort, order=order or query.get("order"), limit=limit,
            offset=offset if isinstance(offset, int) else 0,
        )
        return [item(r) for r in page.items]

    async def read_one(self, collection: str, object_id: str) -> dict[str, Any] | None:
        """The object, or null when it is missing or hidden (an unknown collection is an error)."""
        from resolvers.errors import NotFound
        from resolvers.objects import service as objects

        await objects.load_schema(self.caller.tenant_id, str(collection), self.caller.schema_version)
        try:
            return item(await objects.get_object(self.caller, str(collection), str(object_id)))
        except NotFound:
            return None

    async def create_one(self, collection: str, data: Any) -> str:
        from resolvers.objects import service as objects

        return (await objects.create_object(self.caller, str(collection), data)).id

    async def update_one(self, collection: str, object_id: str, data: Any) -> str:
        from resolvers.objects import service as objects

        return (await objects.update_object(self.caller, str(collection), str(object_id), data)).id

    async def delete_one(self, collection: str, object_id: str) -> str:
        from resolvers.objects import service as objects

        return await objects.delete_object(self.caller, str(collection), str(object_id), runtime=self.runtime)

    # --- schema -------------------------------------------------------------------------------

    async def collections(self) -> list[dict[str, Any]]:
        from resolvers.object_types import service as object_types

        return [{"collection": t.name, "id": t.id, "display_name": t.display_name} for t in await object_types.list_types(self.caller)]

    async def fields(self, collection: str | None = None) -> list[dict[str, Any]]:
        from resolvers.object_types import service as object_types
        from resolvers.properties import service as properties

        types = [await object_types.get_type(self.caller, collection)] if collection else await object_types.list_types(self.caller)
        found = []
        for object_type in types:
            for prop in await properties.list_properties(self.caller, object_type.id):
                found.append({
                    "collection": object_type.name, "field": prop.name, "type": prop.data_type, "required": prop.is_required,
                    "unique": prop.is_unique,
                })
        return found

    # --- mail, jobs, network ------------------------------------------------------------------

    async def mail(self, message: Any) -> dict[str, Any]:
        from resolvers.email.service import send_email

        if not isinstance(message, dict):
            raise ValidationError.single("message", "must be an object with to, subject and text or html")
        return await send_email(self.caller, message, runtime=self.runtime)

    async def cron_trigger(self, job_ref: str) -> dict[str, Any]:
        from resolvers.jobs.queue import enqueue

        require_scope(self.caller, "write")
        return await enqueue(self.caller.tenant_id, str(job_ref), runtime=self.runtime, depth=DEPTH.get(), trigger="hook")

    async def cron_list(self) -> list[dict[str, Any]]:
        from resolvers.jobs.service import list_jobs

        return [
            {"id": j.id, "name": j.name, "cron_expression": j.cron_expression, "enabled": j.enabled, "next_run_at": j.next_run_at}
            for j in await list_jobs(self.caller, limit=100)
        ]

    async def fetch(self, url: str, options: Any = None) -> dict[str, Any]:
        from resolvers.webhooks import network

        options = options if isinstance(options, dict) else {}
        host = (urlsplit(url).hostname or "").lower()
        allowed = self.runtime.extensions.allowed_domains
        if not any(host == d or host.endswith("." + d) for d in allowed):
            raise HostError(f"fetch: {host or url} is not an allowed domain (EXTENSION_ALLOWED_DOMAINS: {', '.join(allowed) or 'none'})")
        await network.check_url(url, allow_loopback=self.runtime.webhooks.settings.allow_loopback)
        method = str(options.get("method") or "GET").upper()
        if method not in FETCH_METHODS:
            raise HostError(f"fetch: method must be one of {', '.join(FETCH_METHODS)}")
        headers = options.get("headers") if isinstance(options.get("headers"), dict) else {}
        body = options.get("body")
        try:
            response = await self.runtime.webhooks.client.request(
                method, url, headers={str(k): str(v) for k, v in headers.items()}, content=None if body is None else str(body).encode(),
            )
        except httpx.HTTPError as exc:
            raise HostError(f"fetch failed: {type(exc).__name__}") from None
        return {"status": response.status_code, "headers": dict(response.headers), "body": response.text[:FETCH_MAX_BODY], "url": str(response.url)}
