"""Answering a request to a custom endpoint: match, authenticate, decide the condition, run the
actions, shape the response, and record the execution whatever happened.

Who the actions act as: the caller when the request carries credentials (so the caller's scopes,
roles and row-level policies apply to every record action), and the endpoint itself for an
anonymous call to a public endpoint (it reads and writes the tenant's data, as automations do).
The request's body, query and params reach actions only through templates, and templates are
never evaluated: values are bound as data (see resolvers/actions/templates.py and filters.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from models.auth import User
from models.custom_endpoints import CustomEndpoint, EndpointExecution
from models.tenants import Tenant
from resolvers.actions import expressions
from resolvers.actions.engine import condition_holds, run_actions
from resolvers.actions.schemas import TIMEOUT_SECONDS, ActionFailed, Run
from resolvers.actions.templates import as_text, render
from resolvers.custom_endpoints import repository
from resolvers.custom_endpoints.schemas import (
    HEADER_VALUE_MAX,
    ConditionFailed,
    Outcome,
    parse_path,
    split_request_path,
)
from resolvers.errors import DomainError, IpNotAllowed, MethodNotAllowed, RouteNotFound, Unauthorized, ValidationError
from resolvers.governance.schemas import Governance
from resolvers.ids import new_id
from resolvers.objects import repository as objects
from resolvers.objects.service import load_schema
from resolvers.principal import Principal
from resolvers.roles import permissions
from resolvers.runtime import Runtime
from resolvers.scoping import scoped


class ActionError(DomainError):
    """An action of the pipeline failed: its status and code, and which action it was."""

    def __init__(self, failed: ActionFailed, action_type: str | None) -> None:
        super().__init__(f"actions[{failed.index}] ({action_type}) failed: {failed.public}", details={"action_index": failed.index, "action_type": action_type})
        self.status = failed.status  # type: ignore[misc]
        self.code = failed.code  # type: ignore[misc]


class ResponseTemplateError(DomainError):
    code = "RESPONSE_TEMPLATE_INVALID"
    status = 500


@dataclass(frozen=True)
class Invocation:
    method: str
    path: str  # below /v1/x, as sent: segments percent-encoded (an encoded / stays inside its segment)
    query: Any  # an object of text values (a repeated parameter: a list)
    body: Any
    tenant_id: str | None = None  # named by an anonymous caller (X-Tenant-Id or ?tenant_id=)
    request_id: str = ""
    client_ip: str | None = None


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    enveloped: bool = False  # no response template: the last result goes into the success envelope


async def invoke(principal: Principal | None, invocation: Invocation, runtime: Runtime) -> Reply:
    if not isinstance(invocation.query, dict):
        raise ValidationError.single("query", "must be an object of query parameters")
    tenant_id = await _tenant_of(principal, invocation)
    endpoint, params = await _match(tenant_id, invocation)
    started = time.perf_counter()
    outcome = Outcome(status_code=500, outcome="failed", error_code="INTERNAL_ERROR", error="the endpoint failed unexpectedly")
    try:
        reply = await _answer(endpoint, params, principal, invocation, runtime, outcome)
        outcome.status_code, outcome.outcome, outcome.error_code, outcome.error = reply.status, "succeeded", None, None
        return reply
    except DomainError as error:
        outcome.status_code, outcome.error_code, outcome.error = error.status, error.code, error.message
        outcome.outcome = "refused" if error.status in (401, 403) and not outcome.actions else "failed"
        raise
    finally:
        await _record(endpoint, invocation, principal, outcome, int((time.perf_counter() - started) * 1000))


async def _tenant_of(principal: Principal | None, invocation: Invocation) -> str:
    if principal is not None:
        return principal.tenant_id
    if not invocation.tenant_id:
        raise Unauthorized("Authentication required: send Authorization: Bearer <token>, or name the tenant (X-Tenant-Id) to call a public endpoint")
    tenant = await Tenant.get_or_none(id=invocation.tenant_id).only("id", "status", "governance")
    if tenant is None or tenant.status != "active":
        raise RouteNotFound("No custom endpoint matches this path")
    if not Governance.of(tenant.governance).allows_ip(invocation.client_ip):
        raise IpNotAllowed()  # the tenant's allowlist covers its public endpoints too
    return tenant.id


async def _match(tenant_id: str, invocation: Invocation) -> tuple[CustomEndpoint, dict[str, str]]:
    """The endpoint answering method + path: literal segments beat :params, left to right."""
    parts = split_request_path(invocation.path)
    candidates: list[tuple[tuple[int, ...], CustomEndpoint, dict[str, str]]] = []
    for endpoint in await repository.endpoints_of(tenant_id, enabled_only=True):
        path = parse_path(endpoint.path, [])
        params = path.match(parts) if path is not None else None
        if path is not None and params is not None:
            candidates.append((path.specificity, endpoint, params))
    answering = sorted((c for c in candidates if c[1].method == invocation.method), key=lambda c: c[0])
    if answering:
        return answering[0][1], answering[0][2]
    if candidates:
        raise MethodNotAllowed(sorted({c[1].method for c in candidates}))
    raise RouteNotFound(f"No custom endpoint matches {invocation.method} /v1/x/{invocation.path.lstrip('/')}")


async def _answer(
    endpoint: CustomEndpoint, params: dict[str, str], principal: Principal | None, invocation: Invocation, runtime: Runtime, outcome: Outcome,
) -> Reply:
    if endpoint.auth_required and principal is None:
        raise Unauthorized("This endpoint requires authentication: send Authorization: Bearer <token>")
    acting = principal or Principal.system(endpoint.tenant_id, acting_for=endpoint.id)
    now = datetime.now(timezone.utc).isoformat()
    request = {"method": invocation.method, "path": invocation.path, "params": params, "query": dict(invocation.query), "body": invocation.body}
    run = Run(principal=acting, data={"request": request, "auth": await _auth(principal, endpoint), "now": now}, depth=1)
    if not condition_holds(endpoint.condition, run, functions=await _ownership(endpoint, run, params)):
        raise ConditionFailed()
    try:
        result = await run_actions(run, endpoint.actions or [], runtime, timeout=TIMEOUT_SECONDS)
    except ActionFailed as failed:
        action_type = (endpoint.actions or [])[failed.index]["type"] if failed.index < len(endpoint.actions or []) else None
        raise ActionError(failed, action_type) from None
    finally:
        outcome.actions = [{k: v for k, v in r.items() if k != "result"} for r in run.results]
    template = endpoint.response_template
    if not template:
        return Reply(status=200, body=result, enveloped=True)
    context = run.template_context()
    headers = {str(k): _header_value(k, render(v, context)) for k, v in (template.get("headers") or {}).items()}
    return Reply(status=int(template.get("status") or 200), body=render(template.get("body"), context), headers=headers)


async def _auth(principal: Principal | None, endpoint: CustomEndpoint) -> dict[str, Any]:
    """What `{{auth.*}}` and the condition see; the email and roles are read only when named."""
    if principal is None:
        return {"account_id": endpoint.tenant_id}
    auth: dict[str, Any] = {
        "user_id": principal.user_id, "account_id": principal.tenant_id, "role": principal.role, "kind": principal.kind,
        "key_id": principal.key_id if principal.kind == "api_key" else None,
    }
    definition = f"{endpoint.condition or ''} {endpoint.actions} {endpoint.response_template}"
    if principal.user_id and "auth.email" in definition:
        auth["email"] = await scoped(User, principal.tenant_id).filter(id=principal.user_id).first().values_list("email", flat=True)
    if principal.user_id and "has_role" in (endpoint.condition or ""):
        auth["roles"] = sorted(await permissions.role_names(principal))
    return auth


async def _ownership(endpoint: CustomEndpoint, run: Run, params: dict[str, str]) -> dict[str, expressions.Function]:
    """@owns_record(): a path parameter holds the caller's user id (the URL names the caller's
    own record). @owns_record('orders', '{{request.params.order_id}}'): that object was created
    by the caller. Objects are read before the condition is evaluated (it is not async)."""
    user_id = run.data["auth"].get("user_id")
    owners: dict[tuple[str, str], str | None] = {}
    if endpoint.condition and "owns_record" in endpoint.condition:
        context = run.template_context()
        for call in expressions.calls(expressions.parse(endpoint.condition)):
            if call.name == "owns_record" and len(call.args) == 2:
                collection, object_id = (str(expressions.evaluate(a, lambda _p: None, lambda t: render(t, context), {})) for a in call.args)
                owners[(collection, object_id)] = await _creator(endpoint.tenant_id, collection, object_id)

    def owns_record(collection: Any = None, object_id: Any = None) -> bool:
        if not user_id:
            return False
        if collection is None:
            return user_id in params.values()
        return owners.get((str(collection), str(object_id))) == user_id

    return {"owns_record": owns_record}


async def _creator(tenant_id: str, collection: str, object_id: str) -> str | None:
    try:
        schema = await load_schema(tenant_id, collection)
    except DomainError:
        return None
    found = await objects.get(tenant_id, schema.id, object_id)
    return found.created_by if found else None


def _header_value(name: str, value: Any) -> str:
    """The rendered value (header names were checked when the template was saved)."""
    text = as_text(value)
    if any(c in text for c in "\r\n\0") or len(text) > HEADER_VALUE_MAX:
        raise ResponseTemplateError(f"The response header {name} renders to a value that is not one line of at most {HEADER_VALUE_MAX} characters")
    return text


async def _record(endpoint: CustomEndpoint, invocation: Invocation, principal: Principal | None, outcome: Outcome, duration_ms: int) -> None:
    await repository.record(EndpointExecution(
        id=new_id("cex"), tenant_id=endpoint.tenant_id, endpoint_id=endpoint.id, method=invocation.method, path=invocation.path[:2000],
        status_code=outcome.status_code, outcome=outcome.outcome, duration_ms=duration_ms, actions=outcome.actions,
        error_code=outcome.error_code, error=outcome.error, request_id=invocation.request_id or None,
        principal_kind=principal.kind if principal else None, actor=principal.actor if principal else None,
        created_at=datetime.now(timezone.utc),
    ))
