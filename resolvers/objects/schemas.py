"""Object shapes, limits, and the per-request view of a type's schema."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from models.object_types import ObjectType
from models.policies import AccessPolicy
from models.properties import Property
from resolvers.properties.datatypes import DATA_TYPES, to_api

if TYPE_CHECKING:
    from resolvers.objects.cursor import PageCursors

LIST_DEFAULT_LIMIT = 20
LIST_MAX_LIMIT = 100
BATCH_MAX_ITEMS = 100
VERSIONS_DEFAULT_LIMIT = 20
VERSIONS_MAX_LIMIT = 100
MAX_UNTYPED_KEY_LENGTH = 200
SYSTEM_SORTS = ("created_at", "updated_at")
ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class TypeSchema:
    """An object type with its properties by name: what validation, filters and output need."""

    object_type: ObjectType
    properties: dict[str, Property]
    policies: tuple[AccessPolicy, ...] = ()  # enabled row-level policies (resolvers/policies)

    @property
    def id(self) -> str:
        return self.object_type.id

    def data_type(self, name: str) -> str | None:
        prop = self.properties.get(name)
        return prop.data_type if prop else None

    @cached_property
    def exact_names(self) -> frozenset[str]:
        """Properties whose values clients get as exact decimal strings (decimal, currency)."""
        return frozenset(name for name, prop in self.properties.items() if prop.data_type in DATA_TYPES and DATA_TYPES[prop.data_type].exact_decimal)


@dataclass
class ObjectRecord:
    id: str
    tenant_id: str
    object_type_id: str
    properties: dict[str, Any]
    version: int
    created_by: str | None
    updated_by: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def with_properties(self, properties: dict[str, Any]) -> ObjectRecord:
        """A copy with other property values (`dataclasses.replace` costs 5 µs; this, 1)."""
        return ObjectRecord(
            self.id, self.tenant_id, self.object_type_id, properties, self.version,
            self.created_by, self.updated_by, self.created_at, self.updated_at, self.deleted_at,
        )


AS_STORED = frozenset({str, int, bool, type(None)})  # JSON values clients get unchanged (outside exact decimals)


def stored_as_api(schema: TypeSchema, values: dict[str, Any]) -> bool:
    """Whether every stored value is already what clients see (the common case: no exact
    decimals, only text, whole numbers, booleans and nulls), so it needs no copy."""
    exact = schema.exact_names
    if exact and not exact.isdisjoint(values):
        return False
    return AS_STORED.issuperset(map(type, values.values()))


def api_properties(schema: TypeSchema | None, values: dict[str, Any]) -> dict[str, Any]:
    """Stored values as clients see them (exact decimals as strings). Text, whole numbers,
    booleans and nulls of a property that is not an exact decimal are already as clients see
    them: only the rest goes through `to_api` (a page of 20 objects, 20 µs less)."""
    exact = schema.exact_names if schema else frozenset()
    return {
        k: v if type(v) in AS_STORED and k not in exact else to_api(schema.data_type(k) if schema else None, v)
        for k, v in values.items()
    }



@dataclass(frozen=True)
class Sort:
    key: str  # created_at, updated_at, deleted_at or a property name
    order: str  # asc | desc
    is_property: bool
    data_type: str | None = None  # the property's, so exact decimals compare exactly on SQLite


@dataclass(frozen=True)
class Page:
    items: list[ObjectRecord]
    next_cursor: str | None  # set when more rows follow
    total: int
    # Resume after an item: `cursors.at(index)`, or `cursors.all()`; computed only when asked, from
    # the stored values (a presented item's decimals are strings, which would not compare as numbers).
    cursors: PageCursors


@dataclass(frozen=True)
class ObjectPatch:
    object_id: str
    properties: dict[str, Any]
    expected_version: int | None = None


@dataclass(frozen=True)
class VersionRecord:
    id: str
    object_id: str
    object_type_id: str
    version: int
    properties: dict[str, Any]
    created_by: str | None
    created_at: datetime
