"""Association queries, tenant-scoped; the nested loader pages per object in one SQL statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models import jsoncodec
from models.associations import Association
from resolvers import db
from resolvers.associations.schemas import AssociationRecord
from resolvers.objects.visibility import Readable
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


def _ends(sql: db.Sql, readable: Readable, anchor: str, direction: str) -> str:
    """Both ends readable by the caller (the anchor, checked before, may be in the trash)."""
    if readable.everything:
        return "1=1"
    parts = []
    for side in ("from", "to"):
        if direction == ("incoming" if side == "to" else "outgoing"):
            continue  # this side is the anchor
        mark = sql.param(anchor)
        parts.append(f"({side}_id = {mark} OR {readable.sql(sql, type_column=f'{side}_type', id_column=f'{side}_id')})")
    return " AND ".join(parts)


def _touching(sql: db.Sql, tenant_id: str, object_id: str, direction: str, association_type: str | None, readable: Readable) -> str:
    where = f"tenant_id = {sql.param(tenant_id)}"
    if direction == "outgoing":
        where += f" AND from_id = {sql.param(object_id)}"
    elif direction == "incoming":
        where += f" AND to_id = {sql.param(object_id)}"
    else:
        where += f" AND (from_id = {sql.param(object_id)} OR to_id = {sql.param(object_id)})"
    if association_type:
        where += f" AND association_type = {sql.param(association_type)}"
    return f"{where} AND {_ends(sql, readable, object_id, direction)}"


async def page(
    tenant_id: str, object_id: str, *, direction: str, association_type: str | None, readable: Readable,
    limit: int, after: tuple[datetime, str] | None,
) -> tuple[list[AssociationRecord], int]:
    """One page in (created_at, id) order after the cursor, and the total, of the object's
    associations whose ends the caller may read."""
    sql = db.Sql(db.dialect())
    counted = _touching(sql, tenant_id, object_id, direction, association_type, readable)
    where = _touching(sql, tenant_id, object_id, direction, association_type, readable)
    if after is not None:
        created_at, last_id = after
        where += f" AND (created_at > {sql.param(created_at)} OR (created_at = {sql.param(created_at)} AND id > {sql.param(last_id)}))"
    rows = await db.fetch(
        f"SELECT {FIELDS}, (SELECT count(*) FROM associations WHERE {counted}) AS total_count FROM associations "
        f"WHERE {where} ORDER BY created_at, id LIMIT {int(limit) + 1}",
        sql.params,
    )
    if rows:
        return [to_record(r) for r in rows], int(rows[0]["total_count"])
    sql = db.Sql(db.dialect())
    counted = _touching(sql, tenant_id, object_id, direction, association_type, readable)
    return [], int((await db.fetch(f"SELECT count(*) AS n FROM associations WHERE {counted}", sql.params))[0]["n"])


async def first_per_object(
    tenant_id: str, object_ids: list[str], direction: str, association_type: str | None, first: int, readable: Readable,
) -> dict[str, list[AssociationRecord]]:
    """The first `first` associations of each object whose far end the caller may read, for all
    objects in one statement."""
    sql = db.Sql(db.dialect())
    parts = []
    for anchor, column in (("from_id", "outgoing"), ("to_id", "incoming")):
        if direction not in (column, "both"):
            continue
        # placeholders are taken in text order: SQLite's `?` are positional
        tenant = sql.param(tenant_id)
        marks = ", ".join(sql.param(i) for i in object_ids)
        kind = f" AND association_type = {sql.param(association_type)}" if association_type else ""
        far = "to" if anchor == "from_id" else "from"
        ends = readable.sql(sql, type_column=f"{far}_type", id_column=f"{far}_id")
        parts.append(f"SELECT {anchor} AS anchor, {FIELDS} FROM associations WHERE tenant_id = {tenant} AND {anchor} IN ({marks}){kind} AND {ends}")
    ranked = f"SELECT u.*, ROW_NUMBER() OVER (PARTITION BY anchor ORDER BY created_at, id) AS rn FROM ({' UNION ALL '.join(parts)}) u"
    rows = await db.fetch(f"SELECT * FROM ({ranked}) w WHERE rn <= {int(first)} ORDER BY anchor, rn", sql.params)
    grouped: dict[str, list[AssociationRecord]] = {i: [] for i in object_ids}
    for row in rows:
        grouped[row["anchor"]].append(to_record(row))
    return grouped
