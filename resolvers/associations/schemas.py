"""Association shapes and limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ASSOCIATION_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
META_MAX_BYTES = 10 * 1024
DIRECTIONS = ("outgoing", "incoming", "both")
LIST_DEFAULT_LIMIT = 20
LIST_MAX_LIMIT = 100
NESTED_MAX = 100


@dataclass(frozen=True)
class AssociationRecord:
    id: str
    tenant_id: str
    from_type: str
    from_id: str
    association_type: str
    to_type: str
    to_id: str
    meta: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AssociationPage:
    items: list[AssociationRecord]
    next_cursor: str | None
    total: int
