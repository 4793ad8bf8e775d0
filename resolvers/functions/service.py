"""Custom functions (`/v1/functions`): tenant JavaScript `(input, context)` in the same sandbox and
with the same `context.services` as runtime hooks.

Triggers: `http` runs on `POST …/execute` as the caller; `event` runs after commit for each event
it names (like an action hook, through the extension worker); `schedule` runs from a scheduled
job this service keeps in step with the function (`cron_expression`, `timezone`). Any function
can be executed by hand. Every run is logged with its input, console output, result or error, and
duration. Managing needs scope `schema`, reading `read`, executing `write`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from models import jsoncodec
from models.functions import CustomFunction, FunctionLog
from models.jobs import ScheduledJob
from resolvers import db
from resolvers.authz import require_scope
from resolvers.errors import AlreadyExists, FieldError, NotFound, PayloadTooLarge, QuotaExceeded, ValidationError, collect_errors, reject_unknown_fields
from resolvers.functions import repository
from resolvers.functions.schemas import (
    LOGS_DEFAULT_LIMIT,
    LOGS_MAX_LIMIT,
    MAX_FUNCTIONS_PER_TENANT,
    MAX_INPUT_BYTES,
    RUNTIMES,
    TRIGGER_TYPES,
    FunctionDisabled,
    FunctionFailed,
    FunctionThrew,
)
from resolvers.governance import repository as governance
from resolvers.hooks import emitter
from resolvers.hooks import repository as hooks_repository
from resolvers.hooks.schemas import EVENT, after_commit_event_error
from resolvers.ids import new_id
from resolvers.jobs.schemas import checked_cron, checked_timezone, next_occurrence
from resolvers.paging import bounded_int
from resolvers.principal import Principal
from resolvers.scoping import scoped
from resolvers.sandbox.schemas import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_MS, Outcome, checked_code, checked_memory_mb, checked_timeout_ms

if TYPE_CHECKING:
    from resolvers.runtime import Runtime

FIELDS = (
    "name", "description", "trigger_type", "event", "cron_expression", "timezone", "code", "runtime", "enabled", "timeout_ms", "memory_limit_mb",
)


async def list_functions(principal: Principal | None) -> list[CustomFunction]:
    caller = require_scope(principal, "read")
    return await repository.functions_of(caller.tenant_id)


async def get_function(principal: Principal | None, function_id: str) -> CustomFunction:
    caller = require_scope(principal, "read")
    return await _function(caller.tenant_id, function_id)


async def create_function(principal: Principal | None, data: dict[str, Any], *, runtime: "Runtime") -> CustomFunction:
    caller = require_scope(principal, "schema")
    _known(data)
    if await repository.count(caller.tenant_id) >= MAX_FUNCTIONS_PER_TENANT:
        raise QuotaExceeded(f"A tenant can have at most {MAX_FUNCTIONS_PER_TENANT} functions")
    function = CustomFunction(
        id=new_id("fn"), tenant_id=caller.tenant_id, created_by=caller.actor, runtime="javascript", enabled=True,
        timeout_ms=DEFAULT_TIMEOUT_MS, memory_limit_mb=DEFAULT_MEMORY_MB,
    )
    await _apply(function, data, runtime, creating=True)
    await function.save(force_create=True)
    await _sync_trigger(function)
    return function


async def update_function(principal: Principal | None, function_id: str, patch: dict[str, Any], *, runtime: "Runtime") -> CustomFunction:
    caller = require_scope(principal, "schema")
    _known(patch)
    function = await _function(caller.tenant_id, function_id)
    await _apply(function, patch, runtime, creating=False)
    await function.save()
    await _sync_trigger(function)
    return function


async def delete_function(principal: Principal | None, function_id: str) -> str:
    caller = require_scope(principal, "schema")
    function = await _function(caller.tenant_id, function_id)
    if function.job_id:
        await scoped(ScheduledJob, caller.tenant_id).filter(id=function.job_id).delete()
    await function.delete()
    return function.id


async def list_logs(principal: Principal | None, function_id: str, *, limit: Any = None, offset: Any = None) -> list[FunctionLog]:
    caller = require_scope(principal, "read")
    function = await _function(caller.tenant_id, function_id)
    return await repository.logs_page(
        caller.tenant_id, function.id, bounded_int(limit, "limit", default=LOGS_DEFAULT_LIMIT, low=1, high=LOGS_MAX_LIMIT),
        bounded_int(offset, "offset", default=0, low=0, high=1_000_000),
    )


async def prune_logs(now: datetime) -> None:
    """Housekeeping: logs are kept as long as the tenant keeps its audit log (governance)."""
    for tenant_id, cutoff in await governance.retention_cutoffs(now):
        await repository.prune_logs(tenant_id, cutoff)


# --- running ---------------------------------------------------------------------------------


async def execute_function(principal: Principal | None, function_id: str, input: Any, *, runtime: "Runtime") -> FunctionLog:
    """Run now, as the caller; the log of the run, or the function's error (logged too)."""
    caller = require_scope(principal, "write")
    function = await _function(caller.tenant_id, function_id)
    if not function.enabled:
        raise FunctionDisabled(f"Function {function.name} is disabled; enable it to execute it")
    log = await run_logged(runtime, caller, function, input, trigger="http")
    if log.status == "failed":
        details = {"function_id": function.id, "log_id": log.id}
        if log.error and log.error.startswith("threw"):
            raise FunctionThrew(log.error.removeprefix("threw: ") or FunctionThrew.default_message, details=details)
        raise FunctionFailed(f"Function {function.name} {log.error}", details=details)
    return log


async def run_function(runtime: "Runtime", tenant_id: str, ref: str, *, input: Any, trigger: str) -> tuple[str, str | None, Any]:
    """Run a function for the system (event and schedule triggers, the run_function action):
    (status, error, result), logged like any run."""
    function = await repository.by_ref(tenant_id, ref)
    if function is None:
        return "failed", f"function {ref} not found", None
    if not function.enabled:
        return "skipped", "the function is disabled", None
    log = await run_logged(runtime, Principal.system(tenant_id, function.id), function, input, trigger=trigger)
    return log.status, log.error, logged_value(log.result)


async def run_logged(runtime: "Runtime", caller: Principal, function: CustomFunction, input: Any, *, trigger: str) -> FunctionLog:
    if len(jsoncodec.dumps(input).encode()) > MAX_INPUT_BYTES:
        raise PayloadTooLarge(f"input may be at most {MAX_INPUT_BYTES // 1024} KB of JSON")
    outcome = await emitter.run_code(
        runtime, caller, kind="function", code=function.code, args={"input": input, "context": emitter.code_context(caller)},
        timeout_ms=function.timeout_ms, memory_mb=function.memory_limit_mb,
    )
    log = _log(function, caller, trigger, input, outcome)
    await db.even_if_rolled_back(log.save)
    return log


def _log(function: CustomFunction, caller: Principal, trigger: str, input: Any, outcome: Outcome) -> FunctionLog:
    return FunctionLog(
        id=new_id("flog"), tenant_id=function.tenant_id, function_id=function.id, trigger=trigger,
        status="succeeded" if outcome.ok else "failed", input=_json_value(jsoncodec.plain(input)),
        result=_json_value(outcome.value) if outcome.ok else None,
        error=None if outcome.ok else outcome.error_text()[:4000], console=outcome.console, duration_ms=outcome.duration_ms,
        actor=caller.actor, created_at=datetime.now(timezone.utc),
    )


def _json_value(value: Any) -> dict[str, Any]:
    """Stored wrapped: Tortoise's JSON field takes a bare str for JSON text already encoded, so
    a function returning "done" or "42" would fail or come back as 42 (see `logged_value`)."""
    return {"value": value}


def logged_value(stored: Any) -> Any:
    """A log's input or result as the function saw or returned it."""
    return stored.get("value") if isinstance(stored, dict) else stored


# --- checks and triggers -----------------------------------------------------------------------


async def _apply(function: CustomFunction, data: dict[str, Any], runtime: "Runtime", *, creating: bool) -> None:
    errors: list[FieldError] = []
    checks: dict[str, Any] = {
        "name": lambda v: _text(v, "name", 200),
        "description": lambda v: None if v is None else _text(v, "description", 1000),
        "trigger_type": _trigger_type,
        "event": lambda v: None if v is None else _event(v),
        "cron_expression": lambda v: None if v is None else checked_cron(v),
        "timezone": lambda v: None if v is None else checked_timezone(v),
        "code": _code,
        "runtime": _runtime,
        "enabled": _flag,
        "timeout_ms": checked_timeout_ms,
        "memory_limit_mb": checked_memory_mb,
    }
    for name in ("name", "trigger_type", "code") if creating else ():
        if data.get(name) is None:
            errors.append(FieldError(name, "is required"))
    for name, check in checks.items():
        if name in data and (data[name] is not None or name in ("description", "event", "cron_expression", "timezone")):
            setattr(function, name, collect_errors(errors, lambda check=check, name=name: check(data[name])))
    if not errors:
        errors.extend(_trigger_errors(function))
    if errors:
        raise ValidationError(errors)
    if "name" in data and await repository.name_taken(function.tenant_id, function.name, other_than=None if creating else function.id):
        raise AlreadyExists(f"A function named {function.name} already exists")
    if creating or "code" in data:
        outcome = await runtime.extensions.pool.check(function.code, kind="function", tenant_id=function.tenant_id)
        if not outcome.ok:
            raise ValidationError.single("code", f"does not compile: {outcome.message}")


def _trigger_errors(function: CustomFunction) -> list[FieldError]:
    if function.trigger_type == "event" and not function.event:
        return [FieldError("event", "is required when trigger_type is event")]
    if function.trigger_type == "event" and (problem := after_commit_event_error(function.event or "")):
        return [FieldError("event", problem)]
    if function.trigger_type == "schedule" and not function.cron_expression:
        return [FieldError("cron_expression", "is required when trigger_type is schedule")]
    return []


async def _sync_trigger(function: CustomFunction) -> None:
    """Keep the function's scheduled job (schedule trigger) and event cursor (event trigger) in step."""
    if function.trigger_type == "event":
        await hooks_repository.CURSOR.ensure(function.tenant_id)
    job = await scoped(ScheduledJob, function.tenant_id).get_or_none(id=function.job_id) if function.job_id else None
    if function.trigger_type != "schedule":
        if job is not None:
            await job.delete()
            function.job_id = None
            await function.save(update_fields=["job_id", "updated_at"])
        return
    zone = function.timezone or "UTC"
    assert function.cron_expression is not None
    values = {
        "name": f"function:{function.name}", "description": f"Runs function {function.id}", "cron_expression": function.cron_expression,
        "timezone": zone, "action_type": "run_function", "action_config": {"function": function.id}, "enabled": function.enabled,
        "next_run_at": next_occurrence(function.cron_expression, zone, datetime.now(timezone.utc)) if function.enabled else None,
    }
    if job is None:
        job = await ScheduledJob.create(id=new_id("job"), tenant_id=function.tenant_id, created_by=function.created_by, **values)
        function.job_id = job.id
        await function.save(update_fields=["job_id", "updated_at"])
    else:
        await scoped(ScheduledJob, function.tenant_id).filter(id=job.id).update(**values)


def _text(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValidationError.single(field, f"must be text of 1 to {limit} characters")
    return value.strip()


def _trigger_type(value: Any) -> str:
    if value not in TRIGGER_TYPES:
        raise ValidationError.single("trigger_type", f"must be one of {', '.join(TRIGGER_TYPES)}")
    return str(value)


def _runtime(value: Any) -> str:
    if value not in RUNTIMES:
        raise ValidationError.single("runtime", f"{value!r} is not supported; supported runtimes: {', '.join(RUNTIMES)}")
    return str(value)


def _event(value: Any) -> str:
    if not isinstance(value, str) or not EVENT.match(value):
        raise ValidationError.single("event", "must be items.<create|update|delete>, <collection>.items.<...>, versions.create or xtr.<category>.<action>")
    return value


def _code(value: Any) -> str:
    return checked_code(value, "(input, context)")


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError.single("enabled", "must be true or false")
    return value


def _known(data: dict[str, Any]) -> None:
    reject_unknown_fields(data, FIELDS, "function")


async def _function(tenant_id: str, function_id: str) -> CustomFunction:
    found = await repository.function(tenant_id, function_id)
    if found is None:
        raise NotFound(f"Function {function_id} not found")
    return found
