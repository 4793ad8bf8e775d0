"""Custom endpoint definitions (scope `schema` to change, `read` to see) and their execution
history.

A definition is checked when saved, with every problem named: path syntax and duplicate
`:params`, unknown action types, templates naming actions that have not run by then or path
params the path does not have, condition syntax (line and column), response template status and
headers. Two endpoints with one method and the same path shape (`/customers/:id` and
`/customers/:customer_id`) would answer the same URLs: the second is 409. Paths that overlap
without being the same (`/customers/vip` and `/customers/:id`) are allowed, literal segments
winning, and reported as warnings. A change is live at once on every process: dispatch reads
the definitions on each request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from models.custom_endpoints import CustomEndpoint, EndpointExecution
from resolvers.actions import expressions
from resolvers.actions.engine import check_actions, check_condition, check_pipeline, check_references
from resolvers.audit import service as audit
from resolvers.authz import require_scope
from resolvers.custom_endpoints import repository
from resolvers.custom_endpoints.schemas import (
    EXECUTIONS_MAX_PAGE,
    FORBIDDEN_HEADERS,
    HEADER_NAME,
    HEADER_VALUE_MAX,
    MAX_HEADERS,
    METHODS,
    NAME_MAX,
    TEMPLATE_FIELDS,
    RoutePath,
    parse_path,
)
from resolvers.errors import AlreadyExists, FieldError, NotFound, QuotaExceeded, ValidationError, collect_errors
from resolvers.governance import repository as governance
from resolvers.ids import new_id
from resolvers.paging import bounded_int
from resolvers.principal import Principal
from resolvers.runtime import Runtime

FIELDS = ("name", "path", "method", "auth_required", "condition", "actions", "response_template", "enabled")
PARAM_REFERENCE = re.compile(r"\{\{\s*request\.params\.([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class EndpointView:
    """A definition and what saving it found worth telling (overlapping paths)."""

    endpoint: CustomEndpoint
    warnings: list[str]


async def list_endpoints(principal: Principal | None) -> list[EndpointView]:
    caller = require_scope(principal, "read")
    endpoints = await repository.endpoints_of(caller.tenant_id)
    return [EndpointView(e, overlaps(e, endpoints)) for e in endpoints]


async def get_endpoint(principal: Principal | None, endpoint_id: str) -> EndpointView:
    caller = require_scope(principal, "read")
    return await _view(caller.tenant_id, await _endpoint(caller.tenant_id, endpoint_id))


async def create_endpoint(principal: Principal | None, data: dict[str, Any], *, runtime: Runtime) -> EndpointView:
    caller = require_scope(principal, "schema")
    if await repository.count(caller.tenant_id) >= runtime.custom_endpoints_max:
        raise QuotaExceeded(f"A tenant can have at most {runtime.custom_endpoints_max} custom endpoints (BASALT_CUSTOM_ENDPOINTS_MAX)")
    endpoint = CustomEndpoint(id=new_id("cep"), tenant_id=caller.tenant_id, created_by=caller.actor, auth_required=True, enabled=True, actions=[])
    _apply(endpoint, data, creating=True)
    await _save(endpoint, creating=True)
    await audit.record(caller, "custom_endpoint.created", "custom_endpoint", endpoint.id, after=_audited(endpoint))
    return await _view(caller.tenant_id, endpoint)


async def update_endpoint(principal: Principal | None, endpoint_id: str, patch: dict[str, Any]) -> EndpointView:
    caller = require_scope(principal, "schema")
    endpoint = await _endpoint(caller.tenant_id, endpoint_id)
    before = _audited(endpoint)
    _apply(endpoint, patch, creating=False)
    await _save(endpoint, creating=False)
    await audit.record(caller, "custom_endpoint.updated", "custom_endpoint", endpoint.id, before=before, after=_audited(endpoint))
    return await _view(caller.tenant_id, endpoint)


async def delete_endpoint(principal: Principal | None, endpoint_id: str) -> str:
    caller = require_scope(principal, "schema")
    endpoint = await _endpoint(caller.tenant_id, endpoint_id)
    await endpoint.delete()
    await audit.record(caller, "custom_endpoint.deleted", "custom_endpoint", endpoint.id, before=_audited(endpoint))
    return endpoint.id


async def list_executions(
    principal: Principal | None, endpoint_id: str, *, limit: Any = None, cursor: str | None = None
) -> tuple[list[EndpointExecution], str | None]:
    """Newest first; a deleted endpoint's executions stay readable until pruned."""
    caller = require_scope(principal, "read")
    size = bounded_int(limit, "limit", default=20, low=1, high=EXECUTIONS_MAX_PAGE)
    page = await repository.executions_page(caller.tenant_id, endpoint_id, limit=size, cursor=cursor)
    if not page[0] and await repository.endpoint(caller.tenant_id, endpoint_id) is None and not await repository.has_executions(caller.tenant_id, endpoint_id):
        raise NotFound(f"Custom endpoint {endpoint_id} not found")
    return page


async def prune_executions(now: datetime) -> None:
    """Housekeeping: executions are kept as long as the tenant keeps its audit log (governance)."""
    for tenant_id, cutoff in await governance.retention_cutoffs(now):
        await repository.prune_executions(tenant_id, cutoff)


def overlaps(endpoint: CustomEndpoint, others: list[CustomEndpoint]) -> list[str]:
    """Other endpoints of the method that answer some of the same URLs (literal segments win)."""
    mine = route_path(endpoint)
    found = []
    for other in others:
        if other.id == endpoint.id or other.method != endpoint.method:
            continue
        theirs = route_path(other)
        if mine.overlaps(theirs):
            winner = endpoint if mine.specificity < theirs.specificity else other
            found.append(f"{other.method} {other.path} ({other.id}) matches some of the same URLs; where both match, {winner.path} answers")
    return found


def route_path(endpoint: CustomEndpoint) -> RoutePath:
    checked = parse_path(endpoint.path, [])
    assert checked is not None, "stored paths were checked when saved"
    return checked


# --- checking and saving -----------------------------------------------------------------------


def _apply(endpoint: CustomEndpoint, data: dict[str, Any], *, creating: bool) -> None:
    errors: list[FieldError] = [FieldError(name, "is not a custom endpoint field") for name in sorted(set(data) - set(FIELDS))]
    if "name" in data or creating:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
            errors.append(FieldError("name", f"is required (at most {NAME_MAX} characters)"))
        else:
            endpoint.name = name.strip()
    if "path" in data or creating:
        path = parse_path(data.get("path"), errors)
        if path is not None:
            endpoint.path = "/" + "/".join(s.text for s in path.segments)
            endpoint.shape = path.shape
    if "method" in data or creating:
        method = data.get("method")
        if not isinstance(method, str) or method.upper() not in METHODS:
            errors.append(FieldError("method", f"must be one of {', '.join(METHODS)}"))
        else:
            endpoint.method = method.upper()
    for flag in ("auth_required", "enabled"):
        if flag in data:
            if not isinstance(data[flag], bool):
                errors.append(FieldError(flag, "must be true or false"))
            else:
                setattr(endpoint, flag, data[flag])
    if "condition" in data:
        endpoint.condition = collect_errors(errors, default=None, check=lambda: _checked_condition(data["condition"]))
    if "actions" in data:
        endpoint.actions = collect_errors(errors, default=[], check=lambda: _checked_actions(data["actions"]))
    if "response_template" in data:
        endpoint.response_template = collect_errors(errors, default=None, check=lambda: _checked_template(data["response_template"]))
    if not errors:
        _check_cross_references(endpoint, errors)
    if errors:
        raise ValidationError(errors)


def _checked_condition(value: Any) -> str | None:
    condition = check_condition(value, "condition")
    if condition is None:
        return None
    errors: list[FieldError] = []
    check_references(condition, 0, "condition", errors)  # the condition is decided before any action runs
    for call in expressions.calls(expressions.parse(condition, field="condition")):
        if call.name == "owns_record" and (len(call.args) not in (0, 2) or not all(isinstance(a, (expressions.Literal, expressions.Template)) for a in call.args)):
            errors.append(FieldError("condition", "@owns_record() takes no argument, or a collection and an id (text or {{templates}})"))
    if errors:
        raise ValidationError(errors)
    return condition


def _checked_actions(value: Any) -> list[dict[str, Any]]:
    actions = check_actions(value)
    check_pipeline(actions)
    return actions


def _checked_template(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationError.single("response_template", "must be an object with status, body and headers")
    errors = [FieldError(f"response_template.{k}", "is not a response template field") for k in sorted(set(value) - set(TEMPLATE_FIELDS))]
    status = value.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        errors.append(FieldError("response_template.status", "must be an HTTP status from 200 to 599"))
    allow_cookie = value.get("allow_set_cookie", False)
    if not isinstance(allow_cookie, bool):
        errors.append(FieldError("response_template.allow_set_cookie", "must be true or false"))
    headers = value.get("headers") or {}
    if not isinstance(headers, dict) or len(headers) > MAX_HEADERS:
        errors.append(FieldError("response_template.headers", f"must be an object of at most {MAX_HEADERS} headers"))
        headers = {}
    for name, header_value in headers.items():
        field = f"response_template.headers.{name}"
        if not HEADER_NAME.match(str(name)):
            errors.append(FieldError(field, "is not a valid header name"))
        elif name.lower() in FORBIDDEN_HEADERS or (name.lower() == "set-cookie" and not allow_cookie):
            errors.append(FieldError(field, "cannot be set by a template (hop-by-hop, framing, or Set-Cookie without allow_set_cookie)"))
        if not isinstance(header_value, str) or len(header_value) > HEADER_VALUE_MAX or any(c in header_value for c in "\r\n\0"):
            errors.append(FieldError(field, f"must be text of at most {HEADER_VALUE_MAX} characters on one line"))
    if errors:
        raise ValidationError(errors)
    return {"status": status, "body": value.get("body"), "headers": dict(headers), "allow_set_cookie": allow_cookie}


def _check_cross_references(endpoint: CustomEndpoint, errors: list[FieldError]) -> None:
    """The template may name every action's result; templates may name only the path's params."""
    actions = endpoint.actions or []
    if endpoint.response_template:
        check_references(endpoint.response_template, len(actions), "response_template", errors)
    params = {s.param for s in route_path(endpoint).segments if s.param}
    places = {"condition": endpoint.condition, "actions": actions, "response_template": endpoint.response_template}
    for field, value in places.items():
        for name in sorted(set(PARAM_REFERENCE.findall(str(value or "")))):
            if name not in params:
                errors.append(FieldError(field, f"names request.params.{name}, but the path {endpoint.path} has no :{name}"))


async def _save(endpoint: CustomEndpoint, *, creating: bool) -> None:
    clash = await _same_shape(endpoint)
    if clash is not None:
        detail = "exists" if clash.path == endpoint.path else f"would answer the same URLs as {clash.path}"
        raise AlreadyExists(f"An endpoint {clash.method} {clash.path} ({clash.id}) {detail}", details=[{"field": "path", "message": f"taken by {clash.id}"}])
    try:
        await endpoint.save(force_create=creating)
    except IntegrityError:  # saved concurrently by another request
        raise AlreadyExists(f"An endpoint {endpoint.method} with this path shape exists") from None


async def _same_shape(endpoint: CustomEndpoint) -> CustomEndpoint | None:
    for other in await repository.endpoints_of(endpoint.tenant_id):
        if other.id != endpoint.id and other.method == endpoint.method and other.shape == endpoint.shape:
            return other
    return None


async def _view(tenant_id: str, endpoint: CustomEndpoint) -> EndpointView:
    return EndpointView(endpoint, overlaps(endpoint, await repository.endpoints_of(tenant_id)))


async def _endpoint(tenant_id: str, endpoint_id: str) -> CustomEndpoint:
    found = await repository.endpoint(tenant_id, endpoint_id)
    if found is None:
        raise NotFound(f"Custom endpoint {endpoint_id} not found")
    return found


def _audited(endpoint: CustomEndpoint) -> dict[str, Any]:
    return {"name": endpoint.name, "method": endpoint.method, "path": endpoint.path, "auth_required": endpoint.auth_required,
            "enabled": endpoint.enabled, "actions": len(endpoint.actions or [])}


# --- the tenant's OpenAPI document -------------------------------------------------------------

BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


async def openapi_document(principal: Principal | None) -> dict[str, Any]:
    """OpenAPI 3.1 for the tenant's enabled endpoints, so a client can be generated for them."""
    caller = require_scope(principal, "read")
    return {
        "openapi": "3.1.0",
        "info": {"title": f"Custom endpoints of tenant {caller.tenant_id}", "version": "1"},
        "paths": await openapi_paths(caller.tenant_id),
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }


async def openapi_paths(tenant_id: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for endpoint in await repository.endpoints_of(tenant_id, enabled_only=True):
        route = route_path(endpoint)
        url = "/v1/x/" + "/".join("{" + s.param + "}" if s.param else s.text for s in route.segments)
        paths.setdefault(url, {})[endpoint.method.lower()] = _operation(endpoint, route)
    return paths


def _operation(endpoint: CustomEndpoint, route: RoutePath) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": s.param, "in": "path", "required": True, "schema": {"type": "string"}} for s in route.segments if s.param
    ]
    status = str((endpoint.response_template or {}).get("status") or 200)
    operation: dict[str, Any] = {
        "operationId": f"custom_{endpoint.id}",
        "summary": endpoint.name,
        "tags": ["Custom endpoints"],
        "parameters": parameters,
        "responses": {
            status: {"description": "The endpoint's response", "content": {"application/json": {"schema": {}}}},
            "403": {"description": "CONDITION_FAILED: the endpoint's condition does not hold"},
        },
    }
    if endpoint.auth_required:
        operation["responses"]["401"] = {"description": "UNAUTHORIZED"}
    else:
        operation["security"] = [{}, {"bearer": []}]
        parameters.append({"name": "X-Tenant-Id", "in": "header", "required": False, "schema": {"type": "string"},
                           "description": "The tenant, for a call without a token"})
    if endpoint.method in BODY_METHODS:
        operation["requestBody"] = {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}}
    return operation
