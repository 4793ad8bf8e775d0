"""Roles and assignments (scope `auth`, like user administration).

A role has a name (unique in the tenant), a description, permissions (see permissions.py) and
an optional parent whose permissions it also grants; a parent chain that would loop is refused.
The role named `authenticated`, when it exists, is every user's baseline. Deleting a role that
users hold or other roles inherit from is a secure deletion (409 with a confirm token); forced,
the assignments go and the children lose their parent.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError

from models.roles import Role, UserRole
from resolvers import db
from resolvers.audit import service as audit
from resolvers.authz import require_scope
from resolvers.errors import AlreadyExists, FieldError, NotFound, ValidationError
from resolvers.ids import new_id
from resolvers.principal import Principal
from resolvers.roles import repository
from resolvers.roles.permissions import PERMISSION, lineage
from resolvers.runtime import Runtime
from resolvers.scoping import scoped
from resolvers.secure_delete.schemas import Dependency
from resolvers.secure_delete.service import guard_delete
from resolvers.auth import repository as auth_users

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
MAX_PERMISSIONS = 200
MAX_ROLES = 200


async def list_roles(principal: Principal | None) -> list[Role]:
    caller = require_scope(principal, "auth")
    return await repository.roles_of_tenant(caller.tenant_id)


async def get_role(principal: Principal | None, role_id: str) -> Role:
    caller = require_scope(principal, "auth")
    return await _role(caller.tenant_id, role_id)


async def create_role(principal: Principal | None, data: dict[str, Any]) -> Role:
    caller = require_scope(principal, "auth")
    if len(await repository.roles_of_tenant(caller.tenant_id)) >= MAX_ROLES:
        raise ValidationError.single("name", f"a tenant can have at most {MAX_ROLES} roles")
    role = Role(id=new_id("role"), tenant_id=caller.tenant_id, permissions=[])
    await _apply(role, data, creating=True)
    await _save(role, force_create=True)
    await audit.record(caller, "role.created", "role", role.id, after=_audited(role))
    return role


async def update_role(principal: Principal | None, role_id: str, patch: dict[str, Any]) -> Role:
    caller = require_scope(principal, "auth")
    role = await _role(caller.tenant_id, role_id)
    before = _audited(role)
    await _apply(role, patch, creating=False)
    await _save(role)
    await audit.record(caller, "role.updated", "role", role.id, before=before, after=_audited(role))
    return role


async def set_permissions(principal: Principal | None, role_id: str, permissions: Any) -> Role:
    caller = require_scope(principal, "auth")
    role = await _role(caller.tenant_id, role_id)
    before = list(role.permissions or [])
    role.permissions = _permissions(permissions)
    await _save(role)
    await audit.record(caller, "role.permissions_set", "role", role.id, before={"permissions": before}, after={"permissions": role.permissions})
    return role


async def delete_role(
    principal: Principal | None, role_id: str, *, runtime: Runtime, force: bool = False, confirm_token: str | None = None
) -> str:
    caller = require_scope(principal, "auth")
    role = await _role(caller.tenant_id, role_id)
    await guard_delete(
        secret_key=runtime.secret_key, tenant_id=caller.tenant_id, resource_type="role", resource_id=role.id,
        dependencies=[
            Dependency("user_roles", await repository.assignment_count(caller.tenant_id, role.id), "users holding this role"),
            Dependency("roles", await repository.child_count(caller.tenant_id, role.id), "roles inheriting from this role"),
        ],
        force=force, confirm_token=confirm_token,
    )
    await repository.delete_assignments(caller.tenant_id, role.id)
    await scoped(Role, caller.tenant_id).filter(parent_role_id=role.id).update(parent_role_id=None)
    await role.delete()
    await repository.bump_version(caller.tenant_id)
    await audit.record(caller, "role.deleted", "role", role.id, before=_audited(role), after={"forced": force})
    return role.id


async def assign(principal: Principal | None, user_id: Any, role_id: Any) -> dict[str, Any]:
    """Give a user a role (doing it twice changes nothing)."""
    caller = require_scope(principal, "auth")
    user, role = await _user_and_role(caller.tenant_id, user_id, role_id)
    if not await repository.assigned(caller.tenant_id, user, role.id):
        try:
            await UserRole.create(id=new_id("ur"), tenant_id=caller.tenant_id, user_id=user, role_id=role.id, created_at=datetime.now(timezone.utc))
        except IntegrityError as exc:
            if not db.is_unique_violation(exc):  # a concurrent assignment of the same role won
                raise
        await repository.bump_version(caller.tenant_id)
        await audit.record(caller, "role.assigned", "user", user, after={"role_id": role.id, "role": role.name})
    return {"user_id": user, "role_id": role.id, "assigned": True}


async def unassign(principal: Principal | None, role_id: str, user_id: str) -> dict[str, Any]:
    caller = require_scope(principal, "auth")
    user, role = await _user_and_role(caller.tenant_id, user_id, role_id)
    if not await repository.unassign(caller.tenant_id, user, role.id):
        raise NotFound(f"User {user} does not hold role {role.id}")
    await repository.bump_version(caller.tenant_id)
    await audit.record(caller, "role.removed", "user", user, before={"role_id": role.id, "role": role.name})
    return {"user_id": user, "role_id": role.id, "removed": True}


async def roles_of_user(principal: Principal | None, user_id: str) -> list[Role]:
    caller = require_scope(principal, "auth")
    if await auth_users.user_by_id(caller.tenant_id, user_id) is None:
        raise NotFound(f"User {user_id} not found")
    return await repository.roles_of_user(caller.tenant_id, user_id)


# --- checks ------------------------------------------------------------------------------------


async def _apply(role: Role, data: dict[str, Any], *, creating: bool) -> None:
    errors: list[FieldError] = [FieldError(k, "is not a role field") for k in sorted(set(data) - {"name", "description", "parent_role_id", "permissions"})]
    if "name" in data or creating:
        name = data.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            errors.append(FieldError("name", "must be 1 to 63 lower-case letters, digits, _ or -, starting with a letter"))
        else:
            role.name = name
    if "description" in data:
        if data["description"] is not None and (not isinstance(data["description"], str) or len(data["description"]) > 500):
            errors.append(FieldError("description", "must be text of at most 500 characters"))
        else:
            role.description = data["description"]
    if "permissions" in data:
        try:
            role.permissions = _permissions(data["permissions"])
        except ValidationError as exc:
            errors.extend(exc.errors)
    if "parent_role_id" in data:
        parent = data["parent_role_id"]
        if parent is None:
            role.parent_role_id = None
        elif not isinstance(parent, str) or await repository.role(role.tenant_id, parent) is None:
            errors.append(FieldError("parent_role_id", f"role {parent} not found"))
        else:
            role.parent_role_id = parent
            await _refuse_cycle(role, errors)
    if errors:
        raise ValidationError(errors)


async def _refuse_cycle(role: Role, errors: list[FieldError]) -> None:
    roles = {r.id: r for r in await repository.roles_of_tenant(role.tenant_id)}
    roles[role.id] = role
    if any(ancestor.id == role.id for ancestor in lineage(roles, role.parent_role_id or "")):
        errors.append(FieldError("parent_role_id", "would make the role its own ancestor (a cycle)"))


def _permissions(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_PERMISSIONS:
        raise ValidationError.single("permissions", f"must be a list of at most {MAX_PERMISSIONS} permissions")
    bad = [FieldError(f"permissions[{i}]", "must be objects:<type or *>:<read, write, delete or *>, files:<read, write or *>, or *")
           for i, p in enumerate(value) if not isinstance(p, str) or not PERMISSION.match(p)]
    if bad:
        raise ValidationError(bad)
    return sorted(set(value))


def _audited(role: Role) -> dict[str, Any]:
    return {"name": role.name, "description": role.description, "parent_role_id": role.parent_role_id, "permissions": list(role.permissions or [])}


async def _save(role: Role, *, force_create: bool = False) -> None:
    try:
        await role.save(force_create=force_create)
    except IntegrityError as exc:
        if db.is_unique_violation(exc):
            raise AlreadyExists(f"A role named {role.name} already exists") from None
        raise
    await repository.bump_version(role.tenant_id)


async def _role(tenant_id: str, role_id: str) -> Role:
    found = await repository.role(tenant_id, role_id)
    if found is None:
        raise NotFound(f"Role {role_id} not found")
    return found


async def _user_and_role(tenant_id: str, user_id: Any, role_id: Any) -> tuple[str, Role]:
    if not isinstance(user_id, str) or not user_id:
        raise ValidationError.single("user_id", "is required")
    if not isinstance(role_id, str) or not role_id:
        raise ValidationError.single("role_id", "is required")
    if await auth_users.user_by_id(tenant_id, user_id) is None:
        raise NotFound(f"User {user_id} not found")
    return user_id, await _role(tenant_id, role_id)
