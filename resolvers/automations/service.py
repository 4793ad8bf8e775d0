"""Automations: when an event matching `trigger_event` (a type, or a pattern such as object.*
or *) is committed, and every condition holds, run the actions through the action engine.
Managing needs scope `schema`, reading `read`, triggering by hand `write`.

Conditions are rule expressions (`status = 'paid' and total > 100`), or objects
`{field, operator, value}`; all must hold. Bare names are fields of the triggering record (the
object's properties, or a custom event's data).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from models.automations import Automation, AutomationRun
from resolvers import db
from resolvers.actions.engine import check_actions, check_condition
from resolvers.authz import require_scope
from resolvers.automations import repository
from resolvers.errors import (
    FieldError,
    NotFound,
    QuotaExceeded,
    ValidationError,
    collect_errors,
)
from resolvers.ids import new_id
from resolvers.paging import bounded_int
from resolvers.principal import Principal
from resolvers.runtime import Runtime
from resolvers.webhooks.schemas import EVENT_PATTERN

MAX_AUTOMATIONS = 100
MAX_CONDITIONS = 20
FIELDS = ("name", "description", "trigger_event", "conditions", "actions", "enabled")
OPERATORS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "contains": "contains", "in": "in"}


async def list_automations(principal: Principal | None) -> list[Automation]:
    caller = require_scope(principal, "read")
    return await repository.automations_of(caller.tenant_id)


async def get_automation(principal: Principal | None, automation_id: str) -> Automation:
    caller = require_scope(principal, "read")
    return await _automation(caller.tenant_id, automation_id)


async def create_automation(principal: Principal | None, data: dict[str, Any]) -> Automation:
    caller = require_scope(principal, "schema")
    if await repository.count(caller.tenant_id) >= MAX_AUTOMATIONS:
        raise QuotaExceeded(f"A tenant can have at most {MAX_AUTOMATIONS} automations")
    automation = Automation(id=new_id("auto"), tenant_id=caller.tenant_id, created_by=caller.actor)
    _apply(automation, {"enabled": True, "conditions": [], "actions": [], **data}, creating=True)
    await automation.save(force_create=True)
    await repository.CURSOR.ensure(caller.tenant_id)
    return automation


async def update_automation(principal: Principal | None, automation_id: str, patch: dict[str, Any]) -> Automation:
    caller = require_scope(principal, "schema")
    automation = await _automation(caller.tenant_id, automation_id)
    _apply(automation, patch, creating=False)
    await automation.save()
    return automation


async def delete_automation(principal: Principal | None, automation_id: str) -> bool:
    caller = require_scope(principal, "schema")
    automation = await _automation(caller.tenant_id, automation_id)
    await automation.delete()
    return True


async def list_runs(principal: Principal | None, automation_id: str, *, limit: Any = None, offset: Any = None) -> tuple[list[AutomationRun], int]:
    caller = require_scope(principal, "read")
    await _automation(caller.tenant_id, automation_id)
    return await repository.runs_page(caller.tenant_id, automation_id, bounded_int(limit, "limit", default=50, low=1, high=100), bounded_int(offset, "offset", default=0, low=0, high=1_000_000))


async def trigger(principal: Principal | None, automation_id: str, data: Any, *, runtime: Runtime) -> str:
    """Queue a run with `data` as its record (conditions still apply); answers the run id."""
    caller = require_scope(principal, "write")
    automation = await _automation(caller.tenant_id, automation_id)
    if data is not None and not isinstance(data, dict):
        raise ValidationError.single("data", "must be a JSON object")
    run = AutomationRun(
        id=new_id("arun"), tenant_id=caller.tenant_id, automation_id=automation.id, trigger="manual", event_type="manual",
        data={"data": data or {}, "actor": caller.actor}, depth=1, created_at=datetime.now(timezone.utc),
    )
    await repository.queue([run])
    db.on_commit(runtime.wake_workers)
    return run.id


def _apply(automation: Automation, data: dict[str, Any], *, creating: bool) -> None:
    unknown = sorted(set(data) - set(FIELDS))
    errors: list[FieldError] = [FieldError(name, "is not an automation field") for name in unknown]
    if "name" in data or creating:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            errors.append(FieldError("name", "is required (at most 200 characters)"))
        else:
            automation.name = name.strip()
    if "description" in data:
        if data["description"] is not None and (not isinstance(data["description"], str) or len(data["description"]) > 1000):
            errors.append(FieldError("description", "must be text of at most 1000 characters"))
        else:
            automation.description = data["description"]
    if "trigger_event" in data or creating:
        trigger_event = data.get("trigger_event")
        if not isinstance(trigger_event, str) or not EVENT_PATTERN.match(trigger_event):
            errors.append(FieldError("trigger_event", "must be an event type (object.created, order.paid), a pattern (object.*) or *"))
        else:
            automation.trigger_event = trigger_event
    if "conditions" in data:
        automation.conditions = collect_errors(errors, default=[], check=lambda: checked_conditions(data["conditions"]))
    if "actions" in data:
        automation.actions = collect_errors(errors, default=[], check=lambda: check_actions(data["actions"]))
    if "enabled" in data:
        if not isinstance(data["enabled"], bool):
            errors.append(FieldError("enabled", "must be true or false"))
        else:
            automation.enabled = data["enabled"]
    if errors:
        raise ValidationError(errors)


def checked_conditions(value: Any) -> list[str]:
    """Stored as expressions: a string is one; a list holds strings or {field, operator, value}."""
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or len(items) > MAX_CONDITIONS:
        raise ValidationError.single("conditions", f"must be an expression or a list of at most {MAX_CONDITIONS} conditions")
    checked: list[str] = []
    for i, item in enumerate(items):
        text = item if isinstance(item, str) else _as_expression(item, f"conditions[{i}]")
        check_condition(text, f"conditions[{i}]")
        checked.append(text)
    return checked


def _as_expression(item: Any, field: str) -> str:
    if not isinstance(item, dict) or not isinstance(item.get("field"), str) or not re_name(item["field"]):
        raise ValidationError.single(field, "must be an expression, or {field, operator, value}")
    operator = str(item.get("operator") or "eq")
    if operator not in OPERATORS and operator not in OPERATORS.values():
        raise ValidationError.single(f"{field}.operator", f"must be one of {', '.join(OPERATORS)}")
    symbol = OPERATORS.get(operator, operator)
    return f"{item['field']} {symbol} {_literal(item.get('value'), field)}"


def re_name(name: str) -> bool:
    return name.replace("_", "a").isalnum() and not name[0].isdigit()


def _literal(value: Any, field: str) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v, field) for v in value) + "]"
    raise ValidationError.single(f"{field}.value", "must be text, a number, true/false, null or a list of them")



async def _automation(tenant_id: str, automation_id: str) -> Automation:
    found = await repository.automation(tenant_id, automation_id)
    if found is None:
        raise NotFound(f"Automation {automation_id} not found")
    return found
