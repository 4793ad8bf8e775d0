"""Row-level policies: which rows of a type a principal may select, insert, update or delete.

For one type and action, enabled policies are permissive: a row is allowed when the condition of
any policy that applies to the principal holds (a policy applies when its `role` is null or one
of the principal's roles). A type with no policy for an action is not restricted for it; once it
has one, a principal that no policy applies to gets no rows. Conditions are the list filter
language with `$auth.user_id`, `$auth.role` and `$auth.email` standing for the principal's values,
substituted as data before parsing; a policy naming a value the principal lacks grants nothing.

The same condition becomes SQL for lists, counts, aggregates and exports (never rows filtered in
Python) and a predicate for single rows, writes, realtime events and the simulator.

Who bypasses: automations and jobs (they act for the tenant) and API keys with the `*` scope (the
tenant's administrators). Other keys have no user: only role-less policies apply to them, and
`$auth.*` is empty for them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from models.auth import User
from models.policies import AccessPolicy
from resolvers.objects.filter_match import compile_predicate
from resolvers.objects.schemas import ObjectRecord, TypeSchema
from resolvers.principal import Principal
from resolvers.roles import permissions
from resolvers.scoping import scoped

ACTIONS = ("select", "insert", "update", "delete")
AUTH_REFS = ("$auth.user_id", "$auth.role", "$auth.email")
NOTHING: dict[str, Any] = {"id": {"is_null": True}}  # no row has a null id


@dataclass(frozen=True)
class AuthContext:
    user_id: str | None = None
    role: str | None = None
    email: str | None = None
    roles: frozenset[str] = frozenset()
    bypass: bool = False

    def value(self, ref: str) -> str | None:
        return {"$auth.user_id": self.user_id, "$auth.role": self.role, "$auth.email": self.email}[ref]


async def context_of(principal: Principal, schema: TypeSchema) -> AuthContext:
    if principal.kind == "system" or (principal.kind == "api_key" and "*" in principal.scopes):
        return AuthContext(bypass=True)
    if principal.kind != "user" or principal.user_id is None:
        return AuthContext()
    email = None
    if any("$auth.email" in str(p.condition_json) for p in schema.policies):
        email = await scoped(User, principal.tenant_id).filter(id=principal.user_id).first().values_list("email", flat=True)
    return AuthContext(
        user_id=principal.user_id, role=principal.role, email=email, roles=await permissions.role_names(principal),
    )


def row_filter(schema: TypeSchema, action: str, context: AuthContext) -> Any:
    """None when the action is unrestricted for this principal; otherwise the filter its rows
    must match (NOTHING when no policy grants anything)."""
    policies = [p for p in schema.policies if p.action == action]
    if context.bypass or not policies:
        return None
    conditions = []
    for policy in policies:
        if policy.role is not None and policy.role not in context.roles:
            continue
        condition = substitute(policy.condition_json or {}, context)
        if condition is _UNGRANTED:
            continue
        if condition in ({}, [], None):
            return None  # this policy allows every row
        conditions.append(condition)
    if not conditions:
        return NOTHING
    return conditions[0] if len(conditions) == 1 else {"or": conditions}


def allows(schema: TypeSchema, action: str, context: AuthContext, row: dict[str, Any]) -> bool:
    """Does the row (as the API shows it: {"id", "properties", "created_by", ...}) pass?"""
    where = row_filter(schema, action, context)
    return where is None or compile_predicate(where, schema, label="condition_json")(row)


def combine(where: Any, restriction: Any) -> Any:
    """The caller's filter AND the policies' (either may be absent)."""
    if restriction is None:
        return where
    if where in (None, {}, []):
        return restriction
    return {"and": [*(where if isinstance(where, list) else [where]), restriction]}


def api_row(record: ObjectRecord) -> dict[str, Any]:
    return {
        "id": record.id, "object_type_id": record.object_type_id, "properties": record.properties, "version": record.version,
        "created_by": record.created_by, "updated_by": record.updated_by,
        "created_at": record.created_at.isoformat(), "updated_at": record.updated_at.isoformat(),
    }


class _Ungranted:
    """Marks a condition naming an $auth value the principal lacks: the policy grants nothing."""


_UNGRANTED: Any = _Ungranted()


def substitute(condition: Any, context: AuthContext) -> Any:
    """The condition with $auth references replaced by the principal's values (data, not syntax);
    _UNGRANTED when it names a value the principal does not have."""
    missing = False

    def walk(value: Any) -> Any:
        nonlocal missing
        if isinstance(value, str) and value in AUTH_REFS:
            found = context.value(value)
            missing = missing or found is None
            return found
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    replaced = walk(copy.deepcopy(condition))
    return _UNGRANTED if missing else replaced


def policy_of(data: dict[str, Any]) -> AccessPolicy:
    """An unsaved policy (for the simulator)."""
    return AccessPolicy(
        id="pol_simulated", tenant_id="", object_type_id=data.get("object_type_id") or "", name=data.get("name") or "simulated",
        action=data.get("action") or "select", role=data.get("role"), condition_json=data.get("condition_json") or {}, enabled=True,
    )
