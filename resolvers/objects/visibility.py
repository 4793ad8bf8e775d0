"""Which objects of any type a caller may read, as SQL: for rows that point at objects of many
types (associations), so a list of them can leave out the ones whose far end is hidden in the
same statement that pages and counts them, never by dropping rows in Python.

An object is readable when the caller holds `objects:<type>:read` and the type's select policies
allow the row (the same rules as object lists and single reads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.policies import AccessPolicy
from resolvers import db
from resolvers.object_types import repository as object_types
from resolvers.objects import repository
from resolvers.objects.schemas import TypeSchema
from resolvers.principal import Principal
from resolvers.roles import permissions
from resolvers.scoping import scoped


@dataclass(frozen=True)
class Readable:
    """The types the caller may not read at all, and those it may read only some rows of."""

    tenant_id: str
    hidden_types: tuple[str, ...] = ()
    filtered: tuple[tuple[TypeSchema, Any], ...] = field(default=())

    @property
    def everything(self) -> bool:
        return not self.hidden_types and not self.filtered

    def sql(self, sql: db.Sql, *, type_column: str, id_column: str) -> str:
        """A condition on (type_column, id_column), placeholders taken in text order."""
        if self.everything:
            return "1=1"
        limited = [*self.hidden_types, *(schema.id for schema, _where in self.filtered)]
        parts = [f"{type_column} NOT IN ({', '.join(_literal(t) for t in limited)})"]
        for schema, where in self.filtered:
            rows = repository.ids_matching(sql, self.tenant_id, schema, where)
            parts.append(f"({type_column} = {_literal(schema.id)} AND {id_column} IN ({rows}))")
        return "(" + " OR ".join(parts) + ")"


async def readable(caller: Principal) -> Readable:
    from resolvers.objects.service import load_schema, restriction  # the service imports this module's users

    granted = await permissions.granted(caller)
    hidden: list[str] = []
    if not permissions.allows(granted, "objects:*:read"):
        hidden = [t.id for t in await object_types.all_types(caller.tenant_id) if not permissions.allows(granted, f"objects:{t.name}:read")]
    policed = await scoped(AccessPolicy, caller.tenant_id).filter(action="select", enabled=True).distinct().values_list("object_type_id", flat=True)
    filtered: list[tuple[TypeSchema, Any]] = []
    for type_id in sorted({str(t) for t in policed} - set(hidden)):
        schema = await load_schema(caller.tenant_id, type_id, caller.schema_version)
        where = await restriction(caller, schema, "select")
        if where is not None:
            filtered.append((schema, where))
    return Readable(caller.tenant_id, tuple(hidden), tuple(filtered))


def _literal(type_id: str) -> str:
    return f"'{db.safe_id(type_id)}'"
