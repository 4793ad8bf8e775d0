"""The nine action types. Each gets its config with templates already resolved (except filters,
which bind template values themselves, see filters.py) and returns a JSON-able result. Every
action runs as the run's principal, so it is confined to the tenant like any request."""

from __future__ import annotations

import time
from typing import Any, Awaitable, Callable

import httpx

from models import jsoncodec
from resolvers.actions import filters
from resolvers.actions.schemas import MAX_GROUPS, QUERY_MAX_LIMIT, Run
from resolvers.actions.templates import render
from resolvers.email import service as email
from resolvers.jobs import queue as jobs
from resolvers.objects import service as objects
from resolvers.paging import bounded_int
from resolvers.objects.schemas import ObjectRecord
from resolvers.properties.datatypes import DATA_TYPES
from resolvers.runtime import Runtime
from resolvers.webhooks.network import BlockedAddress

Handler = Callable[[Run, dict[str, Any], dict[str, Any], Runtime], Awaitable[Any]]  # (run, config, raw config, runtime)
RESPONSE_LIMIT = 64 * 1024


async def send_webhook(run: Run, config: dict[str, Any], raw: dict[str, Any], runtime: Runtime) -> Any:
    """An HTTP request through the same SSRF guard as webhooks (public addresses only, no redirects)."""
    url, method = config.get("url"), str(config.get("method") or "POST").upper()
    headers = {str(k): str(v) for k, v in (config.get("headers") or {}).items()}
    body = config.get("body")
    started = time.perf_counter()
    try:
        async with runtime.webhooks.client.stream(
            method, str(url), headers={"content-type": "application/json", **headers},
            content=None if body is None else jsoncodec.dumps(body).encode(),
        ) as response:
            raw_answer = b""
            async for chunk in response.aiter_raw():
                raw_answer += chunk
                if len(raw_answer) > RESPONSE_LIMIT:
                    break
    except (httpx.HTTPError, BlockedAddress) as exc:
        raise RuntimeError(f"the request failed: {exc}") from None
    text = raw_answer.decode("utf-8", "replace")[:RESPONSE_LIMIT]
    try:
        parsed: Any = jsoncodec.loads(text) if text else None
    except ValueError:
        parsed = text
    return {"status_code": response.status_code, "body": parsed, "duration_ms": int((time.perf_counter() - started) * 1000)}


async def send_email(run: Run, config: dict[str, Any], raw: dict[str, Any], runtime: Runtime) -> Any:
    fields = {k: config.get(k) for k in ("to", "subject", "text", "html", "from", "reply_to") if config.get(k) is not None}
    return await email.send_email(run.principal, fields, runtime=runtime)


async def create_record(run: Run, config: dict[str, Any], raw: dict[str, Any], runtime: Runtime) -> Any:
    created = await objects.create_object(run.principal, str(config["collection"]), config.get("data") or {})
    return _record(created)


async def update_record(run: Run, config: dict[str, Any], raw: dict[str, Any], runtime: Runtime) -> Any:
    updated = await objects.update_object(run.principal, str(config["collection"]), str(config["id"]), config.get("data") or {})
    return _record(updated)


async def delete_record(run: Run, config: dict[str, Any], raw: dict[str, Any], runtime: Runtime) -> Any:
    deleted = await objects.delete_object(run.principal, str(config["collection"]), str(config["id"]), runtime=runtime)
    return {"id": deleted, "deleted": True}


async def enqueue_job(run: Run, config: dict[str, Any], raw: dict[str, Any], runtime: Runtime) -> Any:
    return await jobs.enqueue(
        run.tenant_id, str(config["job"]), data=config.get("data"), run_at=config.get("run_at"), depth=run.depth + 1, runtime=runtime
    )


async def _where(run: Run, collection: str, raw: dict[str, Any]) -> Any:
    where = filters.to_filter(raw.get("filter"), _resolver(run), field="filter")
    if where is None:
        return None
    schema = await objects.load_schema(run.tenant_id, collection)
    return filters.coerce_numbers(where, {name for name, p in schema.properties.items() if DATA_TYPES[p.data_type].numeric})


async def query_records(run: Run, config: dict[str, Any], raw: dict[str, Any], runtime: Runtime) -> Any:
    where = await _where(run, str(config["collection"]), raw)
    sort, order = filters.sort_of(config.get("sort"), "sort")
    limit = bounded_int(config.get("limit"), "limit", default=20, low=1, high=QUERY_MAX_LIMIT)
    offset = bounded_int(config.get("offset"), "offset", default=0, low=0, high=100_000)
    page = await objects.list_objects(run.principal, str(config["collection"]), where=where, sort=sort, order=order, limit=limit, offset=offset)
    return [_record(r) for r in page.items]


async def aggregate_records(run: Run, config: dict[str, Any], raw: dict[str, Any], runtime: Runtime) -> Any:
    where = await _where(run, str(config["collection"]), raw)
    return await objects.aggregate_objects(
        run.principal, str(config["collection"]), function=str(config.get("function") or "count"), field=config.get("field"),
        where=where, group_by=config.get("group_by"), max_groups=MAX_GROUPS,
    )


async def transform(run: Run, config: dict[str, Any], raw: dict[str, Any], runtime: Runtime) -> Any:
    return config.get("output")


async def run_function(run: Run, config: dict[str, Any], raw: dict[str, Any], runtime: Runtime) -> Any:
    """Run a custom function (by id or name) with `input`; its result, or the action fails."""
    from resolvers.functions.service import run_function as call  # functions call services that run actions

    trigger = "schedule" if "job" in run.data else "action"
    status, error, result = await call(runtime, run.tenant_id, str(config["function"]), input=config.get("input") or {}, trigger=trigger)
    if status != "succeeded":
        raise RuntimeError(error or f"the function was {status}")
    return result


HANDLERS: dict[str, Handler] = {
    "send_webhook": send_webhook, "send_email": send_email, "create_record": create_record, "update_record": update_record,
    "delete_record": delete_record, "enqueue_job": enqueue_job, "query_records": query_records,
    "aggregate_records": aggregate_records, "transform": transform, "run_function": run_function,
}


def _resolver(run: Run) -> Callable[[str], Any]:
    context = run.template_context()
    return lambda text: render(text, context)


def _record(record: ObjectRecord) -> dict[str, Any]:
    return jsoncodec.plain({
        "id": record.id, "object_type_id": record.object_type_id, "properties": record.properties, "version": record.version,
        "created_by": record.created_by, "created_at": record.created_at.isoformat(), "updated_at": record.updated_at.isoformat(),
    })
