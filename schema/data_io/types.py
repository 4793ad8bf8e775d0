"""Import/export GraphQL types and inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry
from strawberry.scalars import JSON

from resolvers.data_io.schemas import ExportStatus, ImportResult


@strawberry.type
class ImportRowError:
    row: int = strawberry.field(description="1-based data row (a CSV header row is not counted)")
    property: Optional[str]
    message: str


@strawberry.type(description="What an import did: rows imported, rows refused (with reasons), rows received.")
class ImportOutcome:
    imported: int
    errors: list[ImportRowError]
    total: int
    ids: list[str] = strawberry.field(description="Ids of the created objects, in row order")

    @classmethod
    def from_result(cls, result: ImportResult) -> "ImportOutcome":
        errors = [ImportRowError(row=e.row, property=e.property, message=e.message) for e in result.errors]
        return cls(imported=result.imported, errors=errors, total=result.total, ids=result.ids)


@strawberry.type(description="An asynchronous export; download it from download_path once status is completed.")
class DataExport:
    export_id: str
    object_type_id: str
    format: str
    status: str = strawberry.field(description="pending, running, completed or failed")
    record_count: int
    processed: int
    download_path: str
    error: Optional[str]
    created_at: datetime
    completed_at: Optional[datetime]

    @classmethod
    def from_status(cls, status: ExportStatus) -> "DataExport":
        return cls(**status.__dict__)


@strawberry.input
class ImportDataInput:
    object_type_id: str
    format: Optional[str] = strawberry.field(default=None, description="json (default) or csv")
    data: Optional[JSON] = strawberry.field(default=None, description="Inline rows: property values per row")
    content: Optional[str] = strawberry.field(default=None, description="A file's text (JSON or CSV)")
    filename: Optional[str] = None


@strawberry.input
class StartExportInput:
    object_type_id: str
    format: str = "json"
    filter: Optional[JSON] = strawberry.field(default=None, description="Export only matching objects (list filter language)")
