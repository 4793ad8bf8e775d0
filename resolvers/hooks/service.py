"""Runtime hooks (`/v1/extensions`): tenant JavaScript on data events. Managing needs scope
`schema`, reading `read`. Code is compiled in the sandbox when saved and when activated, so a
hook that cannot compile never goes live. Each process rereads a tenant's active hooks at least
every half second, so changes apply everywhere within a second, without a restart."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from models import jsoncodec
from models.hooks import RuntimeHook
from resolvers import db
from resolvers.authz import require_scope
from resolvers.errors import FieldError, NotFound, PayloadTooLarge, QuotaExceeded, ValidationError, collect_errors, reject_unknown_fields
from resolvers.hooks import emitter, repository
from resolvers.hooks.schemas import EVENT, HOOK_TYPES, MAX_HOOKS_PER_TENANT, MAX_TEST_PAYLOAD_BYTES, after_commit_event_error
from resolvers.ids import new_id
from resolvers.paging import bounded_int
from resolvers.principal import Principal
from resolvers.sandbox.schemas import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_MS, Outcome, checked_code, checked_memory_mb, checked_timeout_ms

if TYPE_CHECKING:
    from resolvers.runtime import Runtime

FIELDS = ("name", "description", "event", "type", "code", "status", "sort", "timeout_ms", "memory_limit_mb")
SETTABLE_STATUSES = ("active", "inactive")  # `error` is set by failures, left by activating


async def list_hooks(
    principal: Principal | None, *, status: Any = None, event: Any = None, type: Any = None, limit: Any = None, offset: Any = None
) -> tuple[list[RuntimeHook], int]:
    caller = require_scope(principal, "read")
    return await repository.hooks_page(
        caller.tenant_id, status=status, event=event, type_=type, limit=bounded_int(limit, "limit", default=50, low=1, high=100),
        offset=bounded_int(offset, "offset", default=0, low=0, high=1_000_000),
    )


async def get_hook(principal: Principal | None, hook_id: str) -> RuntimeHook:
    caller = require_scope(principal, "read")
    return await _hook(caller.tenant_id, hook_id)


async def create_hook(principal: Principal | None, data: dict[str, Any], *, runtime: "Runtime") -> RuntimeHook:
    caller = require_scope(principal, "schema")
    _known(data)
    if await repository.count(caller.tenant_id) >= MAX_HOOKS_PER_TENANT:
        raise QuotaExceeded(f"A tenant can have at most {MAX_HOOKS_PER_TENANT} runtime hooks")
    hook = RuntimeHook(
        id=new_id("ext"), tenant_id=caller.tenant_id, created_by=caller.actor, status="inactive", sort=0,
        timeout_ms=DEFAULT_TIMEOUT_MS, memory_limit_mb=DEFAULT_MEMORY_MB,
    )
    await _apply(hook, data, runtime, creating=True)
    await hook.save(force_create=True)
    await _changed(hook, runtime)
    return hook


async def update_hook(principal: Principal | None, hook_id: str, patch: dict[str, Any], *, runtime: "Runtime") -> RuntimeHook:
    caller = require_scope(principal, "schema")
    _known(patch)
    hook = await _hook(caller.tenant_id, hook_id)
    await _apply(hook, patch, runtime, creating=False)
    await hook.save()
    await _changed(hook, runtime)
    return hook


async def delete_hook(principal: Principal | None, hook_id: str, *, runtime: "Runtime") -> str:
    caller = require_scope(principal, "schema")
    hook = await _hook(caller.tenant_id, hook_id)
    await hook.delete()
    runtime.extensions.forget(caller.tenant_id)
    return hook.id


async def set_active(principal: Principal | None, hook_id: str, active: bool, *, runtime: "Runtime") -> RuntimeHook:
    """Activate (from inactive or error: the failure streak starts over) or deactivate."""
    caller = require_scope(principal, "schema")
    hook = await _hook(caller.tenant_id, hook_id)
    if active:
        await _compile(hook.code, hook.type, runtime, tenant_id=caller.tenant_id)
    hook.status = "active" if active else "inactive"
    hook.failure_streak = 0
    await hook.save(update_fields=["status", "failure_streak", "updated_at"])
    await _changed(hook, runtime)
    return hook


async def _changed(hook: RuntimeHook, runtime: "Runtime") -> None:
    """This process rereads the tenant's hooks at once (the others within CACHE_SECONDS); an
    active action hook needs the tenant's place in the event log."""
    runtime.extensions.forget(hook.tenant_id)
    if hook.type == "action" and hook.status == "active":
        await repository.CURSOR.ensure(hook.tenant_id)


# --- testing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestRun:
    """What a test run did: `passed` (returned), `rejected` (threw), `failed` (stopped or broke)."""

    status: str
    result: Any
    error: str | None
    console: list[dict[str, str]] = field(default_factory=list)
    duration_ms: float = 0.0

    @classmethod
    def of(cls, outcome: Outcome) -> "TestRun":
        status = "passed" if outcome.ok else "rejected" if outcome.kind == "thrown" else "failed"
        return cls(status, outcome.value, None if outcome.ok else outcome.error_text(), outcome.console, outcome.duration_ms)


class _DryRun(Exception):
    """Raised to roll back whatever a test run wrote."""


async def test_hook(principal: Principal | None, hook_id: str, test_payload: Any, *, runtime: "Runtime") -> TestRun:
    caller = require_scope(principal, "schema")
    hook = await _hook(caller.tenant_id, hook_id)
    return await _test(caller, hook.code, hook.type, hook.event, test_payload, runtime, timeout_ms=hook.timeout_ms, memory_mb=hook.memory_limit_mb)


async def test_code(principal: Principal | None, data: dict[str, Any], *, runtime: "Runtime") -> TestRun:
    """Try code before saving it (the contract's `test` action): code, type, event, test_payload."""
    caller = require_scope(principal, "schema")
    errors: list[FieldError] = []
    code = collect_errors(errors, lambda: _code(data.get("code")))
    type_ = collect_errors(errors, lambda: _type(data.get("type")))
    event = collect_errors(errors, lambda: _event(data.get("event")))
    if errors:
        raise ValidationError(errors)
    return await _test(caller, code, type_, event, data.get("test_payload"), runtime, timeout_ms=DEFAULT_TIMEOUT_MS, memory_mb=DEFAULT_MEMORY_MB)


async def _test(
    caller: Principal, code: str, type_: str, event: str, payload: Any, runtime: "Runtime", *, timeout_ms: int, memory_mb: int
) -> TestRun:
    """Run the code once on `payload`, as the caller; whatever its services write is rolled back."""
    if len(jsoncodec.dumps(payload).encode()) > MAX_TEST_PAYLOAD_BYTES:
        raise PayloadTooLarge(f"test_payload may be at most {MAX_TEST_PAYLOAD_BYTES // 1024} KB of JSON")
    collection = event.split(".items.")[0] if ".items." in event else None
    meta = {"event": event, "collection": collection, "test": True}
    if type_ == "filter":
        args = {"payload": payload, "meta": meta, "context": emitter.code_context(caller)}
    else:
        key = payload.get("id") if isinstance(payload, dict) else None
        args = {"meta": {**meta, "key": key, "keys": [key] if key else [], "payload": payload}, "context": emitter.code_context(caller)}
    outcome: Outcome | None = None
    with contextlib.suppress(_DryRun):
        async with db.transaction():
            outcome = await emitter.run_code(runtime, caller, kind=type_, code=code, args=args, timeout_ms=timeout_ms, memory_mb=memory_mb)  # type: ignore[arg-type]
            raise _DryRun
    assert outcome is not None
    return TestRun.of(outcome)


# --- checks ----------------------------------------------------------------------------------


async def _apply(hook: RuntimeHook, data: dict[str, Any], runtime: "Runtime", *, creating: bool) -> None:
    errors: list[FieldError] = []
    checks: dict[str, Any] = {
        "name": lambda v: _text(v, "name", 200, required=True),
        "description": lambda v: _text(v, "description", 1000, required=False),
        "event": _event,
        "type": _type,
        "code": _code,
        "status": _status,
        "sort": lambda v: bounded_int(v, "sort", default=0, low=-1_000_000, high=1_000_000),
        "timeout_ms": checked_timeout_ms,
        "memory_limit_mb": checked_memory_mb,
    }
    for name in ("name", "event", "type", "code") if creating else ():
        if data.get(name) is None:
            errors.append(FieldError(name, "is required"))
    for name, check in checks.items():
        if name in data and (data[name] is not None or name == "description"):
            value = collect_errors(errors, lambda check=check, name=name: check(data[name]))
            setattr(hook, name, value)
    if not errors and hook.type == "action" and (problem := after_commit_event_error(hook.event)):
        errors.append(FieldError("event", problem))
    if errors:
        raise ValidationError(errors)
    if creating or "code" in data or "type" in data or data.get("status") == "active":
        await _compile(hook.code, hook.type, runtime, tenant_id=hook.tenant_id)
    if "code" in data or "type" in data or "status" in data:
        hook.failure_streak = 0  # new code, or (re)activated: the streak starts over


async def _compile(code: str, type_: str, runtime: "Runtime", *, tenant_id: str) -> None:
    outcome = await runtime.extensions.pool.check(code, kind=type_, tenant_id=tenant_id)  # type: ignore[arg-type]
    if not outcome.ok:
        raise ValidationError.single("code", f"does not compile: {outcome.message}")


def _text(value: Any, field: str, limit: int, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValidationError.single(field, f"must be text of 1 to {limit} characters")
    return value.strip()


def _event(value: Any) -> str:
    if not isinstance(value, str) or not EVENT.match(value):
        raise ValidationError.single(
            "event", "must be items.<create|update|delete|read|query>, <collection>.items.<...>, versions.create or xtr.<category>.<action>"
        )
    return value


def _type(value: Any) -> str:
    if value not in HOOK_TYPES:
        raise ValidationError.single("type", "must be filter or action")
    return str(value)


def _code(value: Any) -> str:
    return checked_code(value, "(payload, meta, context) or (meta, context)")


def _status(value: Any) -> str:
    if value not in SETTABLE_STATUSES:
        raise ValidationError.single("status", "must be active or inactive (activate a hook in error to retry it)")
    return str(value)


def _known(data: dict[str, Any]) -> None:
    reject_unknown_fields(data, FIELDS, "hook")


async def _hook(tenant_id: str, hook_id: str) -> RuntimeHook:
    found = await repository.hook(tenant_id, hook_id)
    if found is None:
        raise NotFound(f"Extension {hook_id} not found")
    return found
