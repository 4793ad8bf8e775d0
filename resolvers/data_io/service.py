"""Bulk import (inline JSON, a JSON file or a CSV file) and durable asynchronous export.

Import is best-effort per row: valid rows are inserted together, invalid ones are reported with
their row number, property and message. Export is a job row that a worker in any server process
claims (see `worker.py`), so an export started before a restart finishes after it.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from models import jsoncodec
from models.data_io import DataExport
from resolvers import db
from resolvers.authz import require_scope
from resolvers.data_io import repository
from resolvers.data_io.schemas import (
    CONTENT_TYPES,
    EXPORT_MAX_RECORDS,
    FORMATS,
    IMPORT_MAX_ROWS,
    ExportFile,
    ExportStatus,
    ImportRequest,
    ImportResult,
    RowError,
)
from resolvers.errors import FieldError, NotFound, ValidationError
from resolvers.hooks import emitter as hooks
from resolvers.hooks.schemas import HookRejected
from resolvers.ids import new_id
from resolvers.objects import repository as objects
from resolvers.objects.filters import compile_filter
from resolvers.objects.schemas import TypeSchema
from resolvers.objects.service import insert_rows, load_schema, new_row
from resolvers.objects.validation import Checked, check_properties
from resolvers.policies import engine as policies
from resolvers.principal import Principal
from resolvers.properties.indexes import live_rows
from resolvers.runtime import Runtime

IN_CHUNK = 500


# --- import --------------------------------------------------------------------------------


async def import_rows(principal: Principal | None, request: ImportRequest) -> ImportResult:
    caller = require_scope(principal, "write")
    fmt = _format(request)
    schema = await load_schema(caller.tenant_id, request.object_type_id, caller.schema_version)
    rows = _rows(request, fmt)
    if len(rows) > IMPORT_MAX_ROWS:
        raise ValidationError.single("data", f"at most {IMPORT_MAX_ROWS} rows per import (got {len(rows)})")
    values, errors = await _filtered(caller, schema, [_row_values(row) for row in rows])
    checks = {
        number: check_properties(schema, row, path="properties", partial=False, from_text=fmt == "csv") for number, row in values.items()
    }
    for number, checked in checks.items():
        errors += [_row_error(number, e) for e in checked.errors]
    valid = {n: c for n, c in checks.items() if not c.errors}
    errors += await _reference_errors(caller.tenant_id, valid)
    errors += await _unique_errors(schema, caller.tenant_id, valid)
    failed = {e.row for e in errors}
    new_rows = [new_row(schema, caller, c.values) for n, c in valid.items() if n not in failed]
    for start in range(0, len(new_rows), IN_CHUNK):
        await insert_rows(schema, new_rows[start : start + IN_CHUNK])
    return ImportResult(imported=len(new_rows), errors=sorted(errors, key=lambda e: e.row), total=len(rows), ids=[r.id for r in new_rows])


async def _filtered(caller: Principal, schema: TypeSchema, rows: list[Any]) -> tuple[dict[int, Any], list[RowError]]:
    """Each row through the items.create filter hooks, as a single create would be: a hook that
    rejects a row makes it a row error; a hook that fails (503) fails the import."""
    kept: dict[int, Any] = {}
    errors: list[RowError] = []
    for number, row in enumerate(rows, start=1):
        try:
            kept[number] = await hooks.filter_items(caller, "create", schema.object_type.name, row, import_row=number)
        except HookRejected as exc:
            errors.append(RowError(row=number, property=None, message=exc.message))
    return kept, errors


def _format(request: ImportRequest) -> str:
    """The format asked for, else the uploaded file's extension, else JSON."""
    fmt = (request.format or "").lower()
    if not fmt and request.filename and "." in request.filename:
        fmt = request.filename.rsplit(".", 1)[-1].lower()
    fmt = fmt or "json"
    if fmt not in FORMATS:
        raise ValidationError.single("format", f"must be one of: {', '.join(FORMATS)}")
    return fmt


def _rows(request: ImportRequest, fmt: str) -> list[Any]:
    if request.content is None and request.data is None:
        raise ValidationError.single("data", "send rows in `data`, or upload a file")
    if fmt == "csv":
        if request.content is None:
            raise ValidationError.single("content", "CSV imports need a file (multipart) or `content` text")
        return _csv_rows(request.content)
    rows = request.data
    if request.content is not None:
        try:
            rows = jsoncodec.loads(request.content)
        except ValueError as exc:
            raise ValidationError.single("content", f"is not valid JSON: {exc}") from None
    if isinstance(rows, dict) and isinstance(rows.get("data"), list):
        rows = rows["data"]
    if not isinstance(rows, list):
        raise ValidationError.single("data", "must be a list of rows")
    return rows


def _csv_rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise ValidationError.single("content", "the CSV file needs a header row of property names")
    try:
        return [{k: v for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:
        raise ValidationError.single("content", f"is not valid CSV: {exc}") from None


def _row_values(row: Any) -> Any:
    if isinstance(row, dict) and set(row) == {"properties"}:
        return row["properties"]
    return row


def _row_error(row: int, error: FieldError) -> RowError:
    prop = error.field.split(".", 1)[1] if "." in error.field else None
    return RowError(row=row, property=prop, message=error.message)


async def _reference_errors(tenant_id: str, valid: dict[int, Checked]) -> list[RowError]:
    wanted = {object_id for c in valid.values() for _, object_id in c.references}
    existing: set[str] = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), IN_CHUNK):
        existing |= await objects.existing_ids(tenant_id, set(ordered[start : start + IN_CHUNK]))
    return [
        RowError(row=n, property=path.split(".", 1)[1], message=f"object {object_id} does not exist")
        for n, c in valid.items()
        for path, object_id in c.references
        if object_id not in existing
    ]


async def _unique_errors(schema: TypeSchema, tenant_id: str, valid: dict[int, Checked]) -> list[RowError]:
    """Unique values already taken in the database, or repeated by an earlier row of this import."""
    errors = []
    for name, prop in schema.properties.items():
        if not prop.is_unique:
            continue
        values = {n: c.values[name] for n, c in valid.items() if name in c.values}
        taken = await _taken_values(schema, tenant_id, name, list(values.values()))
        seen: set[str] = set()
        for n, value in values.items():
            key = jsoncodec.dumps(value)
            if key in taken:
                errors.append(RowError(row=n, property=name, message="is already used by another object and must be unique"))
            elif key in seen:
                errors.append(RowError(row=n, property=name, message="repeats a value of an earlier row and must be unique"))
            seen.add(key)
    return errors


async def _taken_values(schema: TypeSchema, tenant_id: str, name: str, values: list[Any]) -> set[str]:
    """The values among `values` that live objects already hold (as JSON text), in chunked queries."""
    taken: set[str] = set()
    dialect = db.dialect()
    for start in range(0, len(values), IN_CHUNK):
        sql = db.Sql(dialect)
        tenant = sql.param(tenant_id)
        condition = compile_filter({name: {"in": values[start : start + IN_CHUNK]}}, schema, sql)
        query = f"SELECT properties FROM objects WHERE tenant_id = {tenant} AND {live_rows(schema.id)} AND {condition}"
        for row in await db.fetch(query, sql.params):
            stored = row["properties"]
            props = jsoncodec.loads(stored) if isinstance(stored, (str, bytes)) else stored
            taken.add(jsoncodec.dumps(props.get(name)))
    return taken


# --- export --------------------------------------------------------------------------------


async def start_export(principal: Principal | None, type_ref: str, fmt: str = "json", where: Any = None) -> ExportStatus:
    caller = require_scope(principal, "read")
    if fmt not in FORMATS:
        raise ValidationError.single("format", f"must be one of: {', '.join(FORMATS)}")
    schema = await load_schema(caller.tenant_id, type_ref, caller.schema_version)
    if any(p.action == "select" for p in schema.policies):  # the export holds what the caller may see, fixed now
        where = policies.combine(where, policies.row_filter(schema, "select", await policies.context_of(caller, schema)))
    total = await objects.count(schema, caller.tenant_id, where=where)
    if total > EXPORT_MAX_RECORDS:
        raise ValidationError.single("object_type_id", f"{total} objects match; an export holds at most {EXPORT_MAX_RECORDS} (narrow it with a filter)")
    job = await DataExport.create(
        id=new_id("exp"),
        tenant_id=caller.tenant_id,
        object_type_id=schema.id,
        format=fmt,
        where=where,
        status="pending",
        record_count=total,
        created_by=caller.user_id or caller.key_id,
    )
    return status_of(job)


async def export_status(principal: Principal | None, export_id: str) -> ExportStatus:
    caller = require_scope(principal, "read")
    return status_of(await _job(caller.tenant_id, export_id))


async def export_file(principal: Principal | None, export_id: str, runtime: Runtime) -> ExportFile:
    """The finished file's bytes (the caller checked the status first)."""
    caller = require_scope(principal, "read")
    job = await _job(caller.tenant_id, export_id)
    if job.status != "completed" or not job.storage_key or runtime.storage is None:
        raise NotFound(f"Export {export_id} has no file yet")
    data = await runtime.storage.get(job.storage_key)
    return ExportFile(data=data, content_type=CONTENT_TYPES[job.format], filename=f"{job.id}.{job.format}")


async def _job(tenant_id: str, export_id: str) -> DataExport:
    job = await repository.get(tenant_id, export_id)
    if job is None:
        raise NotFound(f"Export {export_id} not found")
    return job


def status_of(job: DataExport) -> ExportStatus:
    return ExportStatus(
        export_id=job.id,
        object_type_id=job.object_type_id,
        format=job.format,
        status=job.status,
        record_count=job.record_count,
        processed=job.processed,
        download_path=f"/v1/data/export/{job.id}",
        error=job.error,
        created_at=job.created_at,
        completed_at=job.completed_at,
    )
