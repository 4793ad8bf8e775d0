"""Object-type queries, always tenant-scoped, plus the counts a destructive delete reports."""

from __future__ import annotations

from tortoise.expressions import Q

from models.associations import Association
from models.object_types import ObjectType
from models.objects import DataObject, ObjectVersion
from models.properties import Property
from models.views import SavedView
from resolvers import db
from resolvers.scoping import scoped

TYPE_COLUMNS = sorted(ObjectType._meta.db_fields)
PROPERTY_COLUMNS = sorted(Property._meta.db_fields)
WITH_PROPERTIES_SQL = (
    "SELECT " + ", ".join(f"t.{c}" for c in TYPE_COLUMNS) + ", " + ", ".join(f"p.{c} AS p_{c}" for c in PROPERTY_COLUMNS)
    + " FROM object_types t LEFT JOIN properties p ON p.tenant_id = t.tenant_id AND p.object_type_id = t.id"
    + " WHERE t.tenant_id = {tenant} AND t.{key} = {ref} ORDER BY p.created_at, p.id"
)


async def all_types(tenant_id: str) -> list[ObjectType]:
    return await scoped(ObjectType, tenant_id).order_by("name")


async def by_id(tenant_id: str, type_id: str) -> ObjectType | None:
    return await scoped(ObjectType, tenant_id).get_or_none(id=type_id)


async def names_by_id(tenant_id: str, type_ids: list[str]) -> dict[str, str]:
    if not type_ids:
        return {}
    return dict(await scoped(ObjectType, tenant_id).filter(id__in=type_ids).values_list("id", "name"))


async def by_name(tenant_id: str, name: str) -> ObjectType | None:
    return await scoped(ObjectType, tenant_id).get_or_none(name=name)


async def with_properties(tenant_id: str, ref: str) -> tuple[ObjectType, list[Property]] | None:
    """A type (by id when `ref` looks like one, else by name) and its properties, in one query:
    every object request needs both, so this is on the hot path."""
    sql = db.Sql(db.dialect())
    key = "id" if ref.startswith("ot_") else "name"
    rows = await db.fetch(WITH_PROPERTIES_SQL.format(tenant=sql.param(tenant_id), key=key, ref=sql.param(ref)), sql.params)
    if not rows:
        return None
    object_type = ObjectType._init_from_db(**{c: rows[0][c] for c in TYPE_COLUMNS})
    props = [Property._init_from_db(**{c: row[f"p_{c}"] for c in PROPERTY_COLUMNS}) for row in rows if row["p_id"] is not None]
    return object_type, props


async def count(tenant_id: str) -> int:
    return await scoped(ObjectType, tenant_id).count()


async def dependency_counts(tenant_id: str, type_id: str) -> dict[str, int]:
    return {
        "objects": await scoped(DataObject, tenant_id).filter(object_type_id=type_id).count(),
        "properties": await scoped(Property, tenant_id).filter(object_type_id=type_id).count(),
        "views": await scoped(SavedView, tenant_id).filter(object_type_id=type_id).count(),
        "associations": await _associations(tenant_id, type_id).count(),
    }


def _associations(tenant_id: str, type_id: str):
    return scoped(Association, tenant_id).filter(Q(from_type=type_id) | Q(to_type=type_id))


async def delete_everything(tenant_id: str, type_id: str) -> None:
    """The type and all that hangs off it; property indexes are dropped by the caller first."""
    await _associations(tenant_id, type_id).delete()
    await scoped(ObjectVersion, tenant_id).filter(object_type_id=type_id).delete()
    await scoped(DataObject, tenant_id).filter(object_type_id=type_id).delete()
    await scoped(SavedView, tenant_id).filter(object_type_id=type_id).delete()
    await scoped(Property, tenant_id).filter(object_type_id=type_id).delete()
    await scoped(ObjectType, tenant_id).filter(id=type_id).delete()
