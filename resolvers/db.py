"""Raw SQL on the request's connection, for the queries the ORM cannot express safely.

Tortoise's `in_transaction()` puts the transaction client into the connection context, so
`connection()` here joins the request's transaction automatically. Parameters are always bound;
the only text ever pasted into SQL is a name already checked against `SAFE_NAME`.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Literal

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

Dialect = Literal["postgres", "sqlite"]
SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
SAFE_ID = re.compile(r"^[a-z]{1,10}_[a-z0-9]{4,40}$")


def connection() -> BaseDBAsyncClient:
    return connections.get("default")


def dialect() -> Dialect:
    return "postgres" if connection().capabilities.dialect == "postgres" else "sqlite"


def safe_name(name: str) -> str:
    """A name that may appear inside SQL text (JSON keys, index names). Anything else is a bug."""
    if not SAFE_NAME.match(name):
        raise ValueError(f"unsafe SQL name {name!r}")
    return name


def safe_id(value: str) -> str:
    """One of our generated ids (`ot_…`), which partial indexes need as a literal."""
    if not SAFE_ID.match(value):
        raise ValueError(f"unsafe id literal {value!r}")
    return value


def is_unique_violation(exc: BaseException) -> bool:
    return isinstance(exc, IntegrityError) and "unique" in str(exc).lower()


class Sql:
    """Collects bound parameters and hands out the dialect's placeholders.

    Call `param` in the order the placeholders appear in the SQL text: SQLite's `?` are positional.
    """

    def __init__(self, dialect_: Dialect) -> None:
        self.dialect = dialect_
        self.params: list[Any] = []

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}" if self.dialect == "postgres" else "?"


async def fetch(sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return list(await connection().execute_query_dict(sql, params or []))


async def execute(sql: str, params: list[Any] | None = None) -> int:
    """Run a statement; returns the number of rows it changed."""
    changed, _ = await connection().execute_query(sql, params or [])
    return changed


async def execute_script(sql: str) -> None:
    await connection().execute_script(sql)


def as_datetime(value: Any) -> datetime:
    """A timestamp column read by raw SQL: asyncpg gives datetimes, SQLite gives ISO text."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
