"""Object queries. Reads are raw SQL so filters, sorts and indexes share one JSON expression;
every statement starts from `tenant_id = $1 AND object_type_id = '<type>'` (see `_scope`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from tortoise.expressions import Q

from models import jsoncodec
from models.associations import Association
from models.objects import DataObject, ObjectVersion
from resolvers import db
from resolvers.objects import cursor as cursors
from resolvers.objects.filters import compile_filter, sort_param
from resolvers.objects.schemas import ObjectRecord, Page, Sort, TypeSchema, VersionRecord
from resolvers.properties.decimal_key import DECIMAL_AGGREGATES, decimal_key
from resolvers.properties.indexes import exact_on_sqlite, value_expr
from resolvers.scoping import scoped

COLUMNS = "id, tenant_id, object_type_id, properties, version, created_by, updated_by, created_at, updated_at, deleted_at"


def _scope(sql: db.Sql, tenant_id: str, type_id: str, *, deleted: bool) -> str:
    """The tenant and type every object query is confined to (the type id is a checked literal,
    so partial indexes on `object_type_id = '<id>'` apply)."""
    state = "IS NOT NULL" if deleted else "IS NULL"
    return f"tenant_id = {sql.param(tenant_id)} AND object_type_id = '{db.safe_id(type_id)}' AND deleted_at {state}"


def to_record(row: Mapping[str, Any]) -> ObjectRecord:
    """A row of `COLUMNS` (positional arguments: a page builds 20 of these)."""
    properties, deleted_at = row["properties"], row["deleted_at"]
    return ObjectRecord(
        row["id"],
        row["tenant_id"],
        row["object_type_id"],
        jsoncodec.loads(properties) if isinstance(properties, (str, bytes)) else dict(properties or {}),
        int(row["version"]),
        row["created_by"],
        row["updated_by"],
        db.as_datetime(row["created_at"]),
        db.as_datetime(row["updated_at"]),
        db.as_datetime(deleted_at) if deleted_at is not None else None,
    )


async def get(tenant_id: str, type_id: str, object_id: str, *, deleted: bool | None = False) -> ObjectRecord | None:
    """One object; `deleted=None` finds it whether live or in the trash."""
    sql = db.Sql(db.dialect())
    if deleted is None:
        where = f"tenant_id = {sql.param(tenant_id)} AND object_type_id = '{db.safe_id(type_id)}'"
    else:
        where = _scope(sql, tenant_id, type_id, deleted=deleted)
    rows = await db.fetch_rows(f"SELECT {COLUMNS} FROM objects WHERE {where} AND id = {sql.param(object_id)}", sql.params)
    return to_record(rows[0]) if rows else None


async def by_ids(tenant_id: str, type_id: str | None, object_ids: list[str]) -> list[ObjectRecord]:
    """Live objects among `object_ids` (of one type, or of any type when `type_id` is None)."""
    if not object_ids:
        return []
    sql = db.Sql(db.dialect())
    where = f"tenant_id = {sql.param(tenant_id)} AND deleted_at IS NULL"
    if type_id is not None:
        where += f" AND object_type_id = '{db.safe_id(type_id)}'"
    marks = ", ".join(sql.param(i) for i in object_ids)
    rows = await db.fetch_rows(f"SELECT {COLUMNS} FROM objects WHERE {where} AND id IN ({marks})", sql.params)
    return [to_record(r) for r in rows]


async def existing_ids(tenant_id: str, object_ids: set[str]) -> set[str]:
    """Which of these ids are live objects of the tenant (one query, for reference checks)."""
    if not object_ids:
        return set()
    rows = await scoped(DataObject, tenant_id).filter(id__in=list(object_ids), deleted_at__isnull=True).values_list("id", flat=True)
    return set(rows)


def ids_matching(sql: db.Sql, tenant_id: str, schema: TypeSchema, where: Any) -> str:
    """A subquery: the ids of the type's live objects matching `where` (for IN clauses)."""
    return f"SELECT id FROM objects WHERE {_scope(sql, tenant_id, schema.id, deleted=False)} AND {compile_filter(where, schema, sql)}"


async def count(schema: TypeSchema, tenant_id: str, *, where: Any, deleted: bool = False) -> int:
    sql = db.Sql(db.dialect())
    conditions = f"{_scope(sql, tenant_id, schema.id, deleted=deleted)} AND {compile_filter(where, schema, sql)}"
    rows = await db.fetch(f"SELECT count(*) AS n FROM objects WHERE {conditions}", sql.params)
    return int(rows[0]["n"])


async def page(
    schema: TypeSchema,
    tenant_id: str,
    *,
    where: Any,
    sort: Sort,
    limit: int,
    after: str | None,
    deleted: bool = False,
    with_total: bool = True,
    offset: int = 0,
) -> Page:
    """One page in SQL: filter, keyset after the cursor, order, limit; plus the total match count,
    counted by a subquery of the same statement (a second query only when the page is empty)."""
    sql = db.Sql(db.dialect())
    conditions = f"{_scope(sql, tenant_id, schema.id, deleted=deleted)} AND {compile_filter(where, schema, sql)}"
    total_column = ""
    if with_total:  # the count comes first in the statement, then the same conditions again
        total_column = f", (SELECT count(*) FROM objects WHERE {conditions}) AS total_count"
        sql.repeat_params()
    expr = value_expr(sql.dialect, sort.key, sort.data_type) if sort.is_property else sort.key
    keyset = ""
    if after:
        value, last_id = cursors.decode(after, sort)
        keyset = " AND " + _after(sql, expr, sort, value, last_id)
    direction = sort.order.upper()
    nulls = "NULLS LAST" if sort.order == "asc" else "NULLS FIRST"
    query = (
        f"SELECT {COLUMNS}{total_column} FROM objects WHERE {conditions}{keyset} "
        f"ORDER BY {expr} {direction} {nulls}, id {direction} LIMIT {int(limit) + 1}"
        + (f" OFFSET {int(offset)}" if offset and not after else "")
    )
    rows = await db.fetch_rows(query, sql.params)
    total = -1
    if with_total:
        total = int(rows[0]["total_count"]) if rows else await count(schema, tenant_id, where=where, deleted=deleted)
    records = [to_record(r) for r in rows[:limit]]
    page_cursors = cursors.PageCursors(sort, records, _sort_value)
    next_cursor = page_cursors.at(len(records) - 1) if len(rows) > limit and records else None
    return Page(items=records, next_cursor=next_cursor, total=total, cursors=page_cursors)


def _after(sql: db.Sql, expr: str, sort: Sort, value: Any, last_id: str) -> str:
    """Rows strictly after (value, id) in the page order, with NULL sorting as the largest value."""
    op = ">" if sort.order == "asc" else "<"
    if exact_on_sqlite(sql.dialect, sort.data_type) and decimal_key(str(value)) is None:
        value = None  # an untyped leftover has no key: it sorts with the missing values
    if value is None:
        marker = sql.param(last_id)
        return f"({expr} IS NULL AND id {op} {marker})" if sort.order == "asc" else f"({expr} IS NOT NULL OR id {op} {marker})"
    first = sort_param(sql, value, is_property=sort.is_property, data_type=sort.data_type)
    second = sort_param(sql, value, is_property=sort.is_property, data_type=sort.data_type)
    marker = sql.param(last_id)
    tail = f" OR {expr} IS NULL" if sort.order == "asc" else ""
    return f"({expr} {op} {first} OR ({expr} = {second} AND id {op} {marker}){tail})"


def _sort_value(record: ObjectRecord, sort: Sort) -> Any:
    if sort.is_property:
        return record.properties.get(sort.key)
    value = getattr(record, sort.key)
    return value.isoformat() if value is not None else None


async def count_all(tenant_id: str) -> int:
    """Every object of the tenant, live or in the trash (what the plan's quota counts)."""
    sql = db.Sql(db.dialect())
    rows = await db.fetch(f"SELECT count(*) AS n FROM objects WHERE tenant_id = {sql.param(tenant_id)}", sql.params)
    return int(rows[0]["n"])


INSERT_ROWS = 100  # rows per INSERT statement: 1,000 bound parameters, within every SQLite's limit


async def insert(records: list[ObjectRecord]) -> None:
    """Multi-row INSERTs, in the caller's transaction (so a batch is all or nothing)."""
    for start in range(0, len(records), INSERT_ROWS):
        sql = db.Sql(db.dialect())
        await db.execute(insert_sql(records[start : start + INSERT_ROWS], sql), sql.params)


def insert_sql(records: list[ObjectRecord], sql: db.Sql) -> str:
    """One INSERT of up to INSERT_ROWS records, its parameters collected in `sql`."""
    rows = ", ".join(
        "(" + sql.params_of((
            r.id, r.tenant_id, r.object_type_id, jsoncodec.dumps(r.properties), r.version,
            r.created_by, r.updated_by, r.created_at, r.updated_at, r.deleted_at,
        )) + ")"
        for r in records
    )
    return f"INSERT INTO objects ({COLUMNS}) VALUES {rows}"


async def update_if_version(
    tenant_id: str, object_id: str, expected: int, properties: dict[str, Any], actor: str | None, when: datetime
) -> bool:
    """Write the next version only if nobody else did since `expected` was read."""
    changed = await scoped(DataObject, tenant_id).filter(id=object_id, version=expected, deleted_at__isnull=True).update(
        properties=properties, version=expected + 1, updated_by=actor, updated_at=when
    )
    return changed == 1


async def keep_version(record: ObjectRecord, version_id: str) -> None:
    await ObjectVersion.create(
        id=version_id,
        tenant_id=record.tenant_id,
        object_id=record.id,
        object_type_id=record.object_type_id,
        version=record.version,
        properties=record.properties,
        created_by=record.updated_by or record.created_by,
        created_at=record.updated_at,
    )


async def versions(tenant_id: str, object_id: str, limit: int) -> list[VersionRecord]:
    rows = await scoped(ObjectVersion, tenant_id).filter(object_id=object_id).order_by("-version").limit(limit)
    return [
        VersionRecord(
            id=r.id,
            object_id=r.object_id,
            object_type_id=r.object_type_id,
            version=r.version,
            properties=r.properties,
            created_by=r.created_by,
            created_at=r.created_at,
        )
        for r in rows
    ]


async def set_deleted(tenant_id: str, object_id: str, when: datetime | None) -> bool:
    """Move to the trash (`when`) or back (`None`)."""
    query = scoped(DataObject, tenant_id).filter(id=object_id)
    query = query.filter(deleted_at__isnull=True) if when is not None else query.filter(deleted_at__isnull=False)
    return await query.update(deleted_at=when, updated_at=datetime.now(timezone.utc)) == 1


async def association_count(tenant_id: str, object_id: str) -> int:
    return await scoped(Association, tenant_id).filter(Q(from_id=object_id) | Q(to_id=object_id)).count()


async def purge(tenant_id: str, object_id: str) -> None:
    """Permanent deletion: the object, its versions and every association touching it."""
    await scoped(Association, tenant_id).filter(Q(from_id=object_id) | Q(to_id=object_id)).delete()
    await scoped(ObjectVersion, tenant_id).filter(object_id=object_id).delete()
    await scoped(DataObject, tenant_id).filter(id=object_id).delete()


async def aggregate(
    schema: TypeSchema, tenant_id: str, *, function: str, field: str | None, where: Any, group_by: str | None, max_groups: int
) -> list[tuple[Any, Any]]:
    """count / sum / avg / min / max of a numeric property over the live rows the filter keeps, in
    SQL, optionally per value of `group_by`: [(group or None, value)], groups in order."""
    sql = db.Sql(db.dialect())
    conditions = f"{_scope(sql, tenant_id, schema.id, deleted=False)} AND {compile_filter(where, schema, sql)}"
    exact = field is not None and function != "count" and exact_on_sqlite(sql.dialect, schema.data_type(field))
    if exact:  # SQLite reads JSON numbers as floats: exact decimals go through our own aggregates
        value = f"{DECIMAL_AGGREGATES[function]}(properties -> '$.{db.safe_name(field or '')}')"
    else:
        measured = "*" if function == "count" and field is None else _number_expr(sql.dialect, field or "")
        value = f"{function.upper()}({measured})"
    if group_by is None:
        rows = await db.fetch(f"SELECT {value} AS v FROM objects WHERE {conditions}", sql.params)
        return [(None, rows[0]["v"])]
    group = _text_expr(sql.dialect, group_by)
    rows = await db.fetch(
        f"SELECT {group} AS g, {value} AS v FROM objects WHERE {conditions} GROUP BY {group} ORDER BY {group} LIMIT {int(max_groups)}",
        sql.params,
    )
    return [(r["g"], r["v"]) for r in rows]


def _number_expr(dialect: db.Dialect, name: str) -> str:
    """The property as a number where it is one (NULL otherwise: an untyped leftover never breaks the query)."""
    key = db.safe_name(name)
    if dialect == "postgres":
        return f"CASE WHEN jsonb_typeof(properties -> '{key}') = 'number' THEN (properties ->> '{key}')::numeric END"
    return f"CASE WHEN json_type(properties, '$.{key}') IN ('integer', 'real') THEN json_extract(properties, '$.{key}') END"


def _text_expr(dialect: db.Dialect, name: str) -> str:
    key = db.safe_name(name)
    return f"(properties ->> '{key}')" if dialect == "postgres" else f"json_extract(properties, '$.{key}')"
