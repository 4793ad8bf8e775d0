"""Import/export shapes and limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

IMPORT_MAX_ROWS = 10_000
EXPORT_MAX_RECORDS = 100_000
FORMATS = ("json", "csv")
EXPORT_PAGE = 1_000
LEASE_SECONDS = 60
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class ImportRequest:
    object_type_id: str
    format: str = "json"
    data: Any = None  # inline rows
    content: str | None = None  # an uploaded file's text
    filename: str | None = None


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row (a CSV header is not counted)
    property: str | None
    message: str


@dataclass(frozen=True)
class ImportResult:
    imported: int
    errors: list[RowError]
    total: int
    ids: list[str]


@dataclass(frozen=True)
class ExportFile:
    data: bytes
    content_type: str
    filename: str


@dataclass(frozen=True)
class ExportStatus:
    export_id: str
    object_type_id: str
    format: str
    status: str
    record_count: int
    processed: int
    download_path: str
    error: str | None
    created_at: datetime
    completed_at: datetime | None
