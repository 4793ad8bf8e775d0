"""Policy definitions (scope `schema`) and the simulator.

A policy is checked when saved: `condition_json` must parse against the type's schema (with
`$auth.*` standing for text). A change bumps the tenant's schema version, so every process uses
the new policies from its next request. The simulator takes a policy, an auth context and sample
rows and answers, per row, what the request path decides, through the very same functions.
"""

from __future__ import annotations

from typing import Any

from models.policies import AccessPolicy
from resolvers.audit import service as audit
from resolvers.authz import require_scope
from resolvers.errors import FieldError, NotFound, ValidationError
from resolvers.ids import new_id
from resolvers.objects.filters import parse_filter
from resolvers.objects.schema_cache import schema_changed
from resolvers.objects.schemas import TypeSchema
from resolvers.objects.service import load_schema
from resolvers.policies.engine import ACTIONS, AuthContext, allows, policy_of, row_filter, substitute
from resolvers.principal import Principal
from resolvers.scoping import scoped

FIELDS = ("name", "action", "role", "condition_json", "enabled")
MAX_POLICIES_PER_TYPE = 50
MAX_SAMPLES = 1000
SAMPLE_CONTEXT = AuthContext(user_id="usr_sample", role="authenticated", email="sample@example.com", roles=frozenset({"authenticated"}))


async def list_policies(principal: Principal | None, type_ref: str) -> list[AccessPolicy]:
    caller = require_scope(principal, "read")
    schema = await load_schema(caller.tenant_id, type_ref)
    return await scoped(AccessPolicy, caller.tenant_id).filter(object_type_id=schema.id).order_by("created_at", "id")


async def create_policy(principal: Principal | None, type_ref: str, data: dict[str, Any]) -> AccessPolicy:
    caller = require_scope(principal, "schema")
    schema = await load_schema(caller.tenant_id, type_ref)
    if await scoped(AccessPolicy, caller.tenant_id).filter(object_type_id=schema.id).count() >= MAX_POLICIES_PER_TYPE:
        raise ValidationError.single("name", f"a type can have at most {MAX_POLICIES_PER_TYPE} policies")
    policy = AccessPolicy(id=new_id("pol"), tenant_id=caller.tenant_id, object_type_id=schema.id, condition_json={}, enabled=True)
    _apply(policy, schema, data, creating=True)
    await policy.save(force_create=True)
    await schema_changed(caller.tenant_id)
    await audit.record(caller, "policy.created", "policy", policy.id, after=_audited(policy))
    return policy


async def update_policy(principal: Principal | None, type_ref: str, policy_id: str, patch: dict[str, Any]) -> AccessPolicy:
    caller = require_scope(principal, "schema")
    schema = await load_schema(caller.tenant_id, type_ref)
    policy = await _policy(caller.tenant_id, schema, policy_id)
    before = _audited(policy)
    _apply(policy, schema, patch, creating=False)
    await policy.save()
    await schema_changed(caller.tenant_id)
    await audit.record(caller, "policy.updated", "policy", policy.id, before=before, after=_audited(policy))
    return policy


async def delete_policy(principal: Principal | None, type_ref: str, policy_id: str) -> str:
    caller = require_scope(principal, "schema")
    schema = await load_schema(caller.tenant_id, type_ref)
    policy = await _policy(caller.tenant_id, schema, policy_id)
    await policy.delete()
    await schema_changed(caller.tenant_id)
    await audit.record(caller, "policy.deleted", "policy", policy.id, before=_audited(policy))
    return policy.id


async def simulate(principal: Principal | None, policy: Any, auth_context: Any, sample_data: Any) -> dict[str, Any]:
    """Per sample row, allowed or not, as the request path would decide for that auth context."""
    caller = require_scope(principal, "read")
    if not isinstance(policy, dict):
        raise ValidationError.single("policy", "must be an object with object_type_id, action, role and condition_json")
    schema = await load_schema(caller.tenant_id, str(policy.get("object_type_id") or ""))
    candidate = policy_of({**policy, "object_type_id": schema.id})
    _apply(candidate, schema, {k: v for k, v in policy.items() if k in FIELDS}, creating=False)
    context = _context(auth_context)
    rows = _samples(sample_data, schema)
    simulated = TypeSchema(object_type=schema.object_type, properties=schema.properties, policies=(candidate,))
    decisions = [{"index": i, "allowed": allows(simulated, candidate.action, context, row)} for i, row in enumerate(rows)]
    return {
        "action": candidate.action,
        "applies": row_filter(simulated, candidate.action, context) is not None or context.bypass,
        "results": decisions,
        "allowed": sum(d["allowed"] for d in decisions),
    }


def _audited(policy: AccessPolicy) -> dict[str, Any]:
    return {"object_type_id": policy.object_type_id, "name": policy.name, "action": policy.action, "role": policy.role,
            "condition_json": policy.condition_json, "enabled": policy.enabled}


def _apply(policy: AccessPolicy, schema: TypeSchema, data: dict[str, Any], *, creating: bool) -> None:
    errors = [FieldError(k, "is not a policy field") for k in sorted(set(data) - set(FIELDS))]
    if "name" in data or creating:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            errors.append(FieldError("name", "is required (at most 200 characters)"))
        else:
            policy.name = name.strip()
    if "action" in data or creating:
        if data.get("action") not in ACTIONS:
            errors.append(FieldError("action", f"must be one of {', '.join(ACTIONS)}"))
        else:
            policy.action = data["action"]
    if "role" in data:
        role = data["role"]
        if role is not None and (not isinstance(role, str) or not role or len(role) > 63):
            errors.append(FieldError("role", "must be a role name or null (every principal)"))
        else:
            policy.role = role
    if "condition_json" in data:
        condition = data["condition_json"] or {}
        try:
            parse_filter(substitute(condition, SAMPLE_CONTEXT), schema, label="condition_json")
            policy.condition_json = condition
        except ValidationError as exc:
            errors.extend(exc.errors)
    if "enabled" in data:
        if not isinstance(data["enabled"], bool):
            errors.append(FieldError("enabled", "must be true or false"))
        else:
            policy.enabled = data["enabled"]
    if errors:
        raise ValidationError(errors)


def _context(value: Any) -> AuthContext:
    if value is None:
        return AuthContext()
    if not isinstance(value, dict):
        raise ValidationError.single("auth_context", "must be an object: user_id, role, roles, email, bypass")
    roles = value.get("roles") or ([value["role"]] if value.get("role") else [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise ValidationError.single("auth_context.roles", "must be a list of role names")
    return AuthContext(
        user_id=value.get("user_id"), role=value.get("role"), email=value.get("email"),
        roles=frozenset({*roles, "authenticated"} if value.get("user_id") else roles), bypass=bool(value.get("bypass")),
    )


def _samples(value: Any, schema: TypeSchema) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_SAMPLES:
        raise ValidationError.single("sample_data", f"must be a list of at most {MAX_SAMPLES} rows")
    rows = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ValidationError.single(f"sample_data[{i}]", "must be an object")
        properties = item.get("properties") if isinstance(item.get("properties"), dict) else {k: v for k, v in item.items() if k in schema.properties}
        rows.append({**api_row_defaults(), **{k: v for k, v in item.items() if k != "properties"}, "properties": properties})
    return rows


def api_row_defaults() -> dict[str, Any]:
    return {"id": "obj_sample", "created_by": None, "updated_by": None, "version": 1}


async def _policy(tenant_id: str, schema: TypeSchema, policy_id: str) -> AccessPolicy:
    found = await scoped(AccessPolicy, tenant_id).get_or_none(id=policy_id, object_type_id=schema.id)
    if found is None:
        raise NotFound(f"Policy {policy_id} not found")
    return found

