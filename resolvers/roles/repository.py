"""Role rows, tenant-scoped; every change bumps the tenant's roles_version."""

from __future__ import annotations

from tortoise.expressions import F

from models.roles import Role, UserRole
from models.tenants import Tenant
from resolvers.scoping import scoped


async def roles_of_tenant(tenant_id: str) -> list[Role]:
    return await scoped(Role, tenant_id).order_by("name", "id")


async def role(tenant_id: str, role_id: str) -> Role | None:
    return await scoped(Role, tenant_id).get_or_none(id=role_id)


async def role_named(tenant_id: str, name: str) -> Role | None:
    return await scoped(Role, tenant_id).get_or_none(name=name)


async def role_ids_of_user(tenant_id: str, user_id: str) -> list[str]:
    return [str(r) for r in await scoped(UserRole, tenant_id).filter(user_id=user_id).values_list("role_id", flat=True)]


async def roles_of_user(tenant_id: str, user_id: str) -> list[Role]:
    return await scoped(Role, tenant_id).filter(id__in=await role_ids_of_user(tenant_id, user_id)).order_by("name", "id")


async def assignment_count(tenant_id: str, role_id: str) -> int:
    return await scoped(UserRole, tenant_id).filter(role_id=role_id).count()


async def child_count(tenant_id: str, role_id: str) -> int:
    return await scoped(Role, tenant_id).filter(parent_role_id=role_id).count()


async def assigned(tenant_id: str, user_id: str, role_id: str) -> bool:
    return await scoped(UserRole, tenant_id).filter(user_id=user_id, role_id=role_id).exists()


async def unassign(tenant_id: str, user_id: str, role_id: str) -> int:
    return await scoped(UserRole, tenant_id).filter(user_id=user_id, role_id=role_id).delete()


async def delete_assignments(tenant_id: str, role_id: str) -> None:
    await scoped(UserRole, tenant_id).filter(role_id=role_id).delete()


async def forget_user(tenant_id: str, user_id: str) -> None:
    """A deleted user's assignments go with them."""
    if await scoped(UserRole, tenant_id).filter(user_id=user_id).delete():
        await bump_version(tenant_id)


async def bump_version(tenant_id: str) -> None:
    """Every process drops its cached permissions of the tenant on its next request."""
    await Tenant.filter(id=tenant_id).update(roles_version=F("roles_version") + 1)
    await Tenant.filter(id=tenant_id, roles_version__isnull=True).update(roles_version=1)
