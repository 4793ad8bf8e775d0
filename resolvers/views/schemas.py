"""Saved-view inputs and limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

MAX_NAME = 100
MAX_VIEWS_PER_TYPE = 100
MAX_COLUMNS = 200
SYSTEM_COLUMNS = ("id", "created_at", "updated_at", "created_by", "version")


@dataclass(frozen=True)
class ViewCreate:
    name: str
    filters: Any = None
    sort: dict[str, Any] | None = None
    columns: list[str] = field(default_factory=list)


class ViewPatch(TypedDict, total=False):
    name: str
    filters: Any
    sort: dict[str, Any] | None
    columns: list[str]
