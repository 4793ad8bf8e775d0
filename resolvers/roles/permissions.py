"""Permission strings and what a principal may do.

    objects:<type name or *>:<read | write | delete | *>     files:<read | write | *>     *

A user holds the permissions of their roles and of every ancestor of those roles, plus those of
the tenant's `authenticated` role (every user's baseline); a tenant without such a role gives
every user BASELINE. API keys are checked by their scopes (read, write, ... see authz), which
map onto the same strings. Users' permissions are cached per process by the tenant's
roles_version, which authentication reads on every request, so a change applies at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections import OrderedDict
from typing import Iterable

from models.roles import Role
from resolvers.principal import Principal
from resolvers.roles import repository

PERMISSION = re.compile(r"^(\*|objects:(\*|[a-z][a-z0-9_]{0,62}):(read|write|delete|\*)|files:(read|write|\*))$")
BASELINE_ROLE = "authenticated"
BASELINE: frozenset[str] = frozenset({"objects:*:*", "files:*"})
SCOPE_PERMISSIONS: dict[str, frozenset[str]] = {
    "*": frozenset({"*"}),
    "read": frozenset({"objects:*:read", "files:read"}),
    "write": frozenset({"objects:*:write", "objects:*:delete", "files:write"}),
    "files": frozenset({"files:*"}),
}
CACHE_SIZE = 20_000
_cache: OrderedDict[tuple[str, int, str], "UserAccess"] = OrderedDict()


def allows(granted: Iterable[str], wanted: str) -> bool:
    """Segment by segment, `*` matching anything (and a lone `*` everything)."""
    parts = wanted.split(":")
    for pattern in granted:
        if pattern == "*":
            return True
        have = pattern.split(":")
        if len(have) == len(parts) and all(h in ("*", w) for h, w in zip(have, parts)):
            return True
    return False


@dataclass(frozen=True)
class UserAccess:
    """A user's roles (names, with ancestors and `authenticated`) and the permissions they grant."""

    role_names: frozenset[str]
    permissions: frozenset[str]


async def granted(principal: Principal) -> frozenset[str]:
    """What the principal may do, as permission patterns."""
    if principal.kind != "user" or principal.user_id is None:
        return frozenset().union(*(SCOPE_PERMISSIONS.get(s, frozenset()) for s in principal.scopes))
    return (await _access(principal)).permissions


async def role_names(principal: Principal) -> frozenset[str]:
    """The names of the user's roles, their ancestors and `authenticated` (for policies' `role`)."""
    if principal.user_id is None:
        return frozenset()
    return (await _access(principal)).role_names


async def _access(principal: Principal) -> UserAccess:
    assert principal.user_id is not None
    key = (principal.tenant_id, principal.roles_version or 0, principal.user_id)
    found = _cache.get(key)
    if found is None:
        found = await _resolve(principal.tenant_id, principal.user_id)
        _cache[key] = found
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return found


async def _resolve(tenant_id: str, user_id: str) -> UserAccess:
    roles = {r.id: r for r in await repository.roles_of_tenant(tenant_id)}
    held = set(await repository.role_ids_of_user(tenant_id, user_id))
    held |= {r.id for r in roles.values() if r.name == BASELINE_ROLE}
    chain = [role for role_id in held for role in lineage(roles, role_id)]
    permissions: set[str] = set() if any(r.name == BASELINE_ROLE for r in roles.values()) else set(BASELINE)
    for role in chain:
        permissions.update(role.permissions or [])
    return UserAccess(role_names=frozenset({BASELINE_ROLE, *(r.name for r in chain)}), permissions=frozenset(permissions))


def lineage(roles: dict[str, Role], role_id: str) -> list[Role]:
    """The role and its ancestors, nearest first (a cycle, which saving refuses, ends the walk)."""
    chain: list[Role] = []
    seen: set[str] = set()
    current = roles.get(role_id)
    while current is not None and current.id not in seen:
        seen.add(current.id)
        chain.append(current)
        current = roles.get(current.parent_role_id) if current.parent_role_id else None
    return chain
