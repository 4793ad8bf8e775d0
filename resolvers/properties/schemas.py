"""Property inputs and limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypedDict

PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
RESERVED_NAMES = frozenset({"id", "created_at", "updated_at", "created_by", "version", "is_deleted", "deleted_at", "and", "or", "not"})
MAX_PROPERTIES_PER_TYPE = 200
MAX_ENUM_VALUES = 500
MAX_ENUM_VALUE_LENGTH = 200
MAX_DESCRIPTION = 2_000


@dataclass(frozen=True)
class PropertyCreate:
    name: str
    data_type: str
    is_indexed: bool = False
    is_sortable: bool = False
    is_unique: bool = False
    is_required: bool = False
    default_value: Any = None
    enum_values: list[str] | None = None
    description: str | None = None


class PropertyPatch(TypedDict, total=False):
    is_indexed: bool
    is_sortable: bool
    is_unique: bool
    is_required: bool
    default_value: Any
    enum_values: list[str] | None
    description: str | None
