"""The one authorization module: every domain asks here whether a principal may act."""

from __future__ import annotations

from typing import Iterable

from resolvers.errors import Forbidden, InsufficientScope, Unauthorized
from resolvers.principal import Principal
from resolvers.roles import permissions

SCOPES = ("read", "write", "schema", "files", "auth", "ai", "*")


def require_principal(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthorized("Authentication required: send Authorization: Bearer <api key or token>")
    return principal


def has_scope(principal: Principal, scope: str) -> bool:
    return "*" in principal.scopes or scope in principal.scopes


def require_scope(principal: Principal | None, scope: str) -> Principal:
    """Authenticated and holding `scope` (or `*`); otherwise 401 or 403 INSUFFICIENT_SCOPE."""
    caller = require_principal(principal)
    if not has_scope(caller, scope):
        raise InsufficientScope(f"This operation needs the '{scope}' scope")
    return caller


def covers(granted: Iterable[str], wanted: Iterable[str]) -> bool:
    """Whether a holder of `granted` scopes may hand out every scope in `wanted`."""
    granted_set = set(granted)
    return "*" in granted_set or set(wanted) <= granted_set


async def require_permission(principal: Principal, wanted: str) -> None:
    """403 FORBIDDEN unless the principal's permissions (users: their roles; keys: their scopes)
    allow `wanted`, such as objects:contacts:read."""
    if not permissions.allows(await permissions.granted(principal), wanted):
        raise Forbidden(f"This needs the permission {wanted}")
