"""Tenant rows. Tenants are the scope themselves, so they are looked up by id."""

from __future__ import annotations

from models.tenants import Tenant
from resolvers import db


async def get(tenant_id: str) -> Tenant | None:
    return await Tenant.get_or_none(id=tenant_id)


async def by_owner_email(email: str, limit: int = 20) -> list[Tenant]:
    return await Tenant.filter(owner_email=email, status="active").order_by("created_at").limit(limit)


async def bump_schema_version(tenant_id: str) -> None:
    """In the caller's transaction, so the new version is visible exactly when the change is."""
    sql = db.Sql(db.dialect())
    await db.execute(f"UPDATE tenants SET schema_version = schema_version + 1 WHERE id = {sql.param(tenant_id)}", sql.params)


async def count() -> int:
    return await Tenant.all().count()


async def versions(tenant_ids: list[str]) -> dict[str, tuple[int, int]]:
    """(schema_version, roles_version) per tenant: what a change to types, policies or roles
    bumps, so long-lived readers (open subscriptions) can tell that their view is stale."""
    if not tenant_ids:
        return {}
    rows = await Tenant.filter(id__in=tenant_ids).values_list("id", "schema_version", "roles_version")
    return {tenant_id: (int(schema or 0), int(roles or 0)) for tenant_id, schema, roles in rows}
