"""Association queries, tenant-scoped; the nested loader pages per object in one SQL statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models import jsoncodec
from models.associations import Association
from resolvers import db
from resolvers.associations.schemas import AssociationRecord
from resolvers.scoping import scoped

FIELDS = "id, tenant_id, from_type, from_id, association_type, to_type, to_id, meta, created_at, updated_at"


def to_record(row: Association | dict[str, Any]) -> AssociationRecord:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    meta = get("meta")
    return AssociationRecord(
        id=get("id"),
        tenant_id=get("tenant_id"),
        from_type=get("from_type"),
        from_id=get("from_id"),
        association_type=get("association_type"),
        to_type=get("to_type"),
        to_id=get("to_id"),
        meta=jsoncodec.loads(meta) if isinstance(meta, (str, bytes)) else dict(meta or {}),
        created_at=db.as_datetime(get("created_at")),
        updated_at=db.as_datetime(get("updated_at")),
    )


async def find(tenant_id: str, from_id: str, association_type: str, to_id: str) -> Association | None:
    return await scoped(Association, tenant_id).get_or_none(from_id=from_id, association_type=association_type, to_id=to_id)


def touching(tenant_id: str, object_id: str, direction: str, association_type: str | None) -> QuerySet[Association]:
    query = scoped(Association, tenant_id)
    if direction == "outgoing":
        query = query.filter(from_id=object_id)
    elif direction == "incoming":
        query = query.filter(to_id=object_id)
    else:
        query = query.filter(Q(from_id=object_id) | Q(to_id=object_id))
    return query.filter(association_type=association_type) if association_type else query


async def page(query: QuerySet[Association], *, limit: int, after: tuple[datetime, str] | None) -> list[Association]:
    if after is not None:
        created_at, last_id = after
        query = query.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, id__gt=last_id))
    return await query.order_by("created_at", "id").limit(limit + 1)


async def first_per_object(
    tenant_id: str, object_ids: list[str], direction: str, association_type: str | None, first: int
) -> dict[str, list[AssociationRecord]]:
    """The first `first` associations of each object, for all objects in one statement."""
    sql = db.Sql(db.dialect())
    parts = []
    for anchor, column in (("from_id", "outgoing"), ("to_id", "incoming")):
        if direction not in (column, "both"):
            continue
        # placeholders are taken in text order: SQLite's `?` are positional
        tenant = sql.param(tenant_id)
        marks = ", ".join(sql.param(i) for i in object_ids)
        kind = f" AND association_type = {sql.param(association_type)}" if association_type else ""
        parts.append(f"SELECT {anchor} AS anchor, {FIELDS} FROM associations WHERE tenant_id = {tenant} AND {anchor} IN ({marks}){kind}")
    ranked = f"SELECT u.*, ROW_NUMBER() OVER (PARTITION BY anchor ORDER BY created_at, id) AS rn FROM ({' UNION ALL '.join(parts)}) u"
    rows = await db.fetch(f"SELECT * FROM ({ranked}) w WHERE rn <= {int(first)} ORDER BY anchor, rn", sql.params)
    grouped: dict[str, list[AssociationRecord]] = {i: [] for i in object_ids}
    for row in rows:
        grouped[row["anchor"]].append(to_record(row))
    return grouped
