"""Property queries, tenant-scoped, and the data checks a settings change needs."""

from __future__ import annotations

from models.objects import DataObject
from models.properties import Property
from resolvers import db
from resolvers.properties.indexes import json_path, live_rows
from resolvers.scoping import scoped


async def of_type(tenant_id: str, type_id: str) -> list[Property]:
    return await scoped(Property, tenant_id).filter(object_type_id=type_id).order_by("created_at", "id")


async def of_types(tenant_id: str, type_ids: list[str]) -> list[Property]:
    return await scoped(Property, tenant_id).filter(object_type_id__in=type_ids).order_by("created_at", "id")


async def by_id(tenant_id: str, type_id: str, property_id: str) -> Property | None:
    return await scoped(Property, tenant_id).get_or_none(id=property_id, object_type_id=type_id)


async def by_name(tenant_id: str, type_id: str, name: str) -> Property | None:
    return await scoped(Property, tenant_id).get_or_none(object_type_id=type_id, name=name)


async def count(tenant_id: str, type_id: str) -> int:
    return await scoped(Property, tenant_id).filter(object_type_id=type_id).count()


async def live_objects_missing(tenant_id: str, type_id: str, name: str) -> int:
    """Live objects of the type with no value for `name` (making it required would strand them)."""
    sql = db.Sql(db.dialect())
    tenant = sql.param(tenant_id)
    query = f"SELECT count(*) AS n FROM objects WHERE tenant_id = {tenant} AND {live_rows(type_id)} AND {json_path(sql.dialect, name)} IS NULL"
    rows = await db.fetch(query, sql.params)
    return int(rows[0]["n"])


async def any_objects(tenant_id: str, type_id: str) -> bool:
    return await scoped(DataObject, tenant_id).filter(object_type_id=type_id).exists()
