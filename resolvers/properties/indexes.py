"""Real database indexes for properties: partial expression indexes on the objects table.

Each index covers one object type's live rows (`object_type_id = '<id>' AND deleted_at IS NULL`),
so uniqueness is per type and enforced by the database, race-free under concurrent writes.
The expression is the same one `resolvers.objects.filters` writes, so the planner uses it.
"""

from __future__ import annotations

from models.properties import Property
from resolvers import db
from resolvers.errors import DuplicateValue
from resolvers.properties.datatypes import DATA_TYPES
from resolvers.properties.decimal_key import SQL_FUNCTION as DECIMAL_KEY


def json_path(dialect: db.Dialect, name: str) -> str:
    """The SQL expression for one property's value: JSONB on PostgreSQL, SQL values on SQLite."""
    key = db.safe_name(name)
    if dialect == "postgres":
        return f"(properties -> '{key}')"
    return f"json_extract(properties, '$.{key}')"


def exact_on_sqlite(dialect: db.Dialect, data_type: str | None) -> bool:
    """Decimal and currency values compare through `decimal_key` on SQLite (floats lose digits)."""
    return dialect == "sqlite" and data_type in DATA_TYPES and DATA_TYPES[data_type].exact_decimal


def value_expr(dialect: db.Dialect, name: str, data_type: str | None) -> str:
    """The expression filters, sorts and indexes compare for a property of `data_type`."""
    if exact_on_sqlite(dialect, data_type):
        return f"{DECIMAL_KEY}(properties -> '$.{db.safe_name(name)}')"
    return json_path(dialect, name)


def live_rows(type_id: str) -> str:
    return f"object_type_id = '{db.safe_id(type_id)}' AND deleted_at IS NULL"


def _names(prop: Property) -> tuple[str, str]:
    return f"ix_{db.safe_id(prop.id)}", f"ux_{db.safe_id(prop.id)}"


async def sync(prop: Property) -> None:
    """Make the database's indexes match the property's flags (idempotent)."""
    dialect = db.dialect()
    plain, unique = _names(prop)
    expression = value_expr(dialect, prop.name, prop.data_type)
    if prop.is_indexed or prop.is_sortable:
        await db.execute(f"CREATE INDEX IF NOT EXISTS {plain} ON objects ({expression}, id) WHERE {live_rows(prop.object_type_id)}")
    else:
        await db.execute(f"DROP INDEX IF EXISTS {plain}")
    if prop.is_unique:
        try:
            await db.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {unique} ON objects ({expression}) WHERE {live_rows(prop.object_type_id)}"
            )
        except Exception as exc:
            if db.is_unique_violation(exc):
                raise DuplicateValue(f"Existing values of '{prop.name}' are not unique; the unique index was not created") from None
            raise
    else:
        await db.execute(f"DROP INDEX IF EXISTS {unique}")


async def drop(prop: Property) -> None:
    for name in _names(prop):
        await db.execute(f"DROP INDEX IF EXISTS {name}")
