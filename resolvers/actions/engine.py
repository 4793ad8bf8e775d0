"""The action engine: run an ordered list of actions with a context. Automations and scheduled
jobs use it now, no-code custom endpoints next.

Definitions are checked when saved (`check_actions`, `check_condition`): unknown types, missing
config and expressions that do not parse are refused then, with their path. A run renders each
action's config with the templates of its context (request, event, auth, earlier results, now),
runs it as the run's principal, and records type, status, result or error and duration per
action; the first failure stops the run. The whole run has a timeout (30 s) and a chain of runs
triggering runs stops at depth 5.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from resolvers import db
from resolvers.actions import expressions, filters
from resolvers.actions.handlers import HANDLERS
from resolvers.actions.schemas import ACTION_TYPES, AGGREGATES, MAX_ACTIONS, MAX_DEPTH, TIMEOUT_SECONDS, WEBHOOK_METHODS, ActionFailed, Run
from resolvers.actions.templates import lookup, render
from resolvers.errors import DomainError, FieldError, ValidationError
from resolvers.events.schemas import CHAIN_DEPTH
from resolvers.runtime import Runtime

REQUIRED: dict[str, tuple[str, ...]] = {
    "send_webhook": ("url",),
    "send_email": ("to", "subject"),
    "create_record": ("collection",),
    "update_record": ("collection", "id"),
    "delete_record": ("collection", "id"),
    "enqueue_job": ("job",),
    "query_records": ("collection",),
    "aggregate_records": ("collection", "function"),
    "transform": ("output",),
    "run_function": ("function",),
}
RAW_KEYS = ("filter",)
WRITES = ("create_record", "update_record", "delete_record", "enqueue_job", "send_email")  # bound by the action itself, never rendered as text first


class DepthExceeded(DomainError):
    code = "ACTION_DEPTH_EXCEEDED"
    status = 409
    default_message = f"Actions triggered actions {MAX_DEPTH} levels deep; the chain stops here"


# --- checking definitions ----------------------------------------------------------------------


def check_actions(value: Any, field: str = "actions") -> list[dict[str, Any]]:
    """The actions as stored: [{type, config}], or 400 naming every bad path."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ACTIONS:
        raise ValidationError.single(field, f"must be a list of at most {MAX_ACTIONS} actions")
    errors: list[FieldError] = []
    checked = [_check_action(item, f"{field}[{i}]", errors) for i, item in enumerate(value)]
    if errors:
        raise ValidationError(errors)
    return checked


def _check_action(item: Any, path: str, errors: list[FieldError]) -> dict[str, Any]:
    if not isinstance(item, dict) or item.get("type") not in ACTION_TYPES:
        errors.append(FieldError(f"{path}.type", f"must be one of {', '.join(ACTION_TYPES)}"))
        return {}
    config = item.get("config") or {}
    if not isinstance(config, dict):
        errors.append(FieldError(f"{path}.config", "must be an object"))
        return {}
    kind = item["type"]
    errors.extend(FieldError(f"{path}.config.{key}", "is required") for key in REQUIRED[kind] if config.get(key) in (None, ""))
    for key in RAW_KEYS:
        if config.get(key) not in (None, ""):
            try:
                filters.check(config[key], f"{path}.config.{key}")
            except ValidationError as exc:
                errors.extend(exc.errors)
    if kind == "aggregate_records" and config.get("function") not in (None, *AGGREGATES):
        errors.append(FieldError(f"{path}.config.function", f"must be one of {', '.join(AGGREGATES)}"))
    if kind == "send_webhook" and str(config.get("method") or "POST").upper() not in WEBHOOK_METHODS:
        errors.append(FieldError(f"{path}.config.method", f"must be one of {', '.join(WEBHOOK_METHODS)}"))
    return {"type": kind, "config": config}


ACTION_REFERENCE = re.compile(r"\{\{\s*actions\[(\d{1,4})\]")


def check_references(value: Any, available: int, field: str, errors: list[FieldError]) -> None:
    """Every `{{actions[N]...}}` in `value` names one of the first `available` actions (those
    that have run by then); anything else is an error at `field`."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_references(item, available, f"{field}.{key}", errors)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_references(item, available, f"{field}[{i}]", errors)
    elif isinstance(value, str):
        for match in ACTION_REFERENCE.finditer(value):
            index = int(match.group(1))
            if index >= available:
                ran = "no action has run" if available == 0 else f"only actions[0] to actions[{available - 1}] have run"
                errors.append(FieldError(field, f"names actions[{index}], but {ran} at this point"))


def check_pipeline(actions: list[dict[str, Any]], field: str = "actions") -> None:
    """Each action names only results of actions before it."""
    errors: list[FieldError] = []
    for i, action in enumerate(actions):
        check_references(action.get("config") or {}, i, f"{field}[{i}].config", errors)
    if errors:
        raise ValidationError(errors)


FUNCTIONS = ("has_role", "owns_record", "is_authenticated")


def check_condition(value: Any, field: str = "conditions") -> str | None:
    """The condition if it parses and names only known functions (checked now, not at run time)."""
    if value is None or value == "":
        return None
    unknown = sorted({call.name for call in expressions.calls(expressions.parse(value, field=field))} - set(FUNCTIONS))
    if unknown:
        raise ValidationError.single(field, f"@{unknown[0]} is not a function; use {', '.join('@' + f for f in FUNCTIONS)}")
    return str(value)


# --- running -----------------------------------------------------------------------------------


async def run_actions(run: Run, actions: list[dict[str, Any]], runtime: Runtime, *, timeout: float = TIMEOUT_SECONDS) -> Any:
    """Run every action in order; the last result. Raises ActionFailed (recorded in run.results)."""
    if run.depth > MAX_DEPTH:
        raise DepthExceeded()
    depth = CHAIN_DEPTH.set(run.depth)  # the events these actions cause carry the depth
    try:
        async with asyncio.timeout(timeout):
            for index, action in enumerate(actions):
                await _run_one(run, index, action, runtime)
    except TimeoutError:
        failed = len(run.results)
        run.results.append({"type": actions[failed]["type"] if failed < len(actions) else None, "status": "failed",
                            "error": f"the run took longer than {timeout:g} s", "duration_ms": 0})
        raise ActionFailed(failed, f"the run took longer than {timeout:g} s", status=504, code="ACTION_TIMEOUT") from None
    finally:
        CHAIN_DEPTH.reset(depth)
    return run.results[-1].get("result") if run.results else None


async def _run_one(run: Run, index: int, action: dict[str, Any], runtime: Runtime) -> None:
    kind, raw = action["type"], action.get("config") or {}
    context = run.template_context()
    config = {k: (v if k in RAW_KEYS else render(v, context)) for k, v in raw.items()}
    started = time.perf_counter()
    try:
        if kind in WRITES:  # a record and its event commit together; an HTTP call never holds a transaction
            async with db.transaction():
                result = await HANDLERS[kind](run, config, raw, runtime)
        else:
            result = await HANDLERS[kind](run, config, raw, runtime)
    except asyncio.CancelledError:
        raise
    except DomainError as exc:
        _record(run, kind, started, error=f"{exc.code}: {exc.message}")
        raise ActionFailed(index, exc.message, status=exc.status, code=exc.code) from None
    except Exception as exc:
        _record(run, kind, started, error=str(exc)[:500] or type(exc).__name__)
        upstream = kind == "send_webhook"  # the other side failed: 502, not our 500
        public = "the upstream request failed" if upstream else f"the {kind} action failed"
        raise ActionFailed(index, str(exc)[:500], status=502 if upstream else 500, public=public) from None
    _record(run, kind, started, result=result)


def _record(run: Run, kind: str, started: float, *, result: Any = None, error: str | None = None) -> None:
    entry: dict[str, Any] = {"type": kind, "status": "failed" if error else "succeeded", "duration_ms": int((time.perf_counter() - started) * 1000)}
    if error:
        entry["error"] = error
    else:
        entry["result"] = result
    run.results.append(entry)


def condition_holds(condition: str | None, run: Run, *, functions: dict[str, expressions.Function] | None = None) -> bool:
    """Evaluate a saved condition against the run's context: bare names are fields of `record`
    (the event's object properties, or the event data), dotted ones walk the context.
    `functions` replace the default meaning of @-functions (custom endpoints have no record)."""
    if not condition:
        return True
    context = run.template_context()
    record = context.get("record") or {}

    def names(path: expressions.Path) -> Any:
        if len(path.parts) == 1 and isinstance(record, dict) and path.parts[0] in record:
            return record[path.parts[0]]
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path.parts).lstrip(".")
        found = lookup(dotted, context)
        return None if found is not None and not isinstance(found, (str, int, float, bool, list, dict)) else found

    auth = context.get("auth") or {}
    defaults: dict[str, expressions.Function] = {
        "has_role": lambda role=None: role is not None and (auth.get("role") == role or role in (auth.get("roles") or ())),
        "owns_record": lambda: bool(auth.get("user_id")) and isinstance(record, dict) and record.get("created_by") == auth.get("user_id"),
        "is_authenticated": lambda: bool(auth.get("user_id")),
    }
    return bool(expressions.evaluate(expressions.parse(condition), names, lambda text: render(text, context), {**defaults, **(functions or {})}))
