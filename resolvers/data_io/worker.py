"""The export worker: claims export jobs from the database and writes their files to storage.

Any server process may run it. A job is leased with a conditional UPDATE and the lease is renewed
after every page; if a process dies mid-export the lease runs out and another worker starts the
job again from the beginning, so a committed export request always produces a file.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, timezone
from typing import Any

from models import jsoncodec
from models.data_io import DataExport
from resolvers.background import PollingWorker
from resolvers.data_io import repository
from resolvers.data_io.schemas import CONTENT_TYPES, CSV_FORMULA_PREFIXES, EXPORT_MAX_RECORDS, EXPORT_PAGE, LEASE_SECONDS
from resolvers.objects import repository as objects
from resolvers.objects.schemas import ObjectRecord, Sort, TypeSchema, api_properties
from resolvers.objects.service import load_schema
from resolvers.properties.datatypes import DATA_TYPES
from resolvers.runtime import Runtime

log = logging.getLogger("basalt.exports")
EXPORT_SORT = Sort("created_at", "asc", is_property=False)
SYSTEM_COLUMNS = ("id", "created_at", "updated_at", "version", "created_by")


class ExportWorker(PollingWorker):
    label = "export worker"

    def __init__(self, runtime: Runtime, *, worker_id: str | None = None, poll_seconds: float = 2.0, lease_seconds: int = LEASE_SECONDS) -> None:
        super().__init__(worker_id=worker_id, poll_seconds=poll_seconds)
        self.runtime = runtime
        self.lease_seconds = lease_seconds

    async def run_once(self) -> bool:
        """Claim and finish one job; False when there was nothing to do."""
        job = await repository.claim_next(self.worker_id, self.lease_seconds)
        if job is None:
            return False
        try:
            await self._export(job)
        except _LeaseLost:
            log.warning("export %s was taken over by another worker", job.id)
        except Exception as exc:
            log.exception("export %s failed", job.id)
            await repository.finish(job, self.worker_id, status="failed", error=str(exc)[:500], lease_until=None)
        return True

    async def _export(self, job: DataExport) -> None:
        schema = await load_schema(job.tenant_id, job.object_type_id)
        records: list[ObjectRecord] = []
        after = None
        while True:
            page = await objects.page(
                schema, job.tenant_id, where=job.where, sort=EXPORT_SORT, limit=EXPORT_PAGE, after=after, with_total=False
            )
            records += page.items
            if len(records) > EXPORT_MAX_RECORDS:
                raise ValueError(f"more than {EXPORT_MAX_RECORDS} records match")
            if not await repository.renew(job, self.worker_id, len(records), self.lease_seconds):
                raise _LeaseLost()
            if page.next_cursor is None:
                break
            after = page.next_cursor
        body = render_csv(schema, records) if job.format == "csv" else render_json(schema, records)
        key = f"exports/{job.tenant_id}/{job.id}.{job.format}"
        assert self.runtime.storage is not None
        await self.runtime.storage.put(key, body, CONTENT_TYPES[job.format])
        await repository.finish(
            job,
            self.worker_id,
            status="completed",
            storage_key=key,
            record_count=len(records),
            processed=len(records),
            completed_at=datetime.now(timezone.utc),
            lease_until=None,
        )


class _LeaseLost(Exception):
    """Another worker took the job over after this one's lease ran out."""


def render_json(schema: TypeSchema, records: list[ObjectRecord]) -> bytes:
    rows = [_api_row(schema, r) for r in records]
    return jsoncodec.dumps(rows).encode()


def _api_row(schema: TypeSchema, record: ObjectRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "object_type_id": record.object_type_id,
        "properties": api_properties(schema, record.properties),
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "created_by": record.created_by,
        "version": record.version,
    }


def render_csv(schema: TypeSchema, records: list[ObjectRecord]) -> bytes:
    """One column per system field and property; formula-like text is neutralised for spreadsheets
    (numbers such as -5 are numbers, not formulas, and stay as they are)."""
    names = list(schema.properties)
    numeric = {n for n, p in schema.properties.items() if DATA_TYPES[p.data_type].numeric}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*SYSTEM_COLUMNS, *names])
    for record in records:
        values = api_properties(schema, record.properties)
        system = [record.id, record.created_at.isoformat(), record.updated_at.isoformat(), record.version, record.created_by or ""]
        cells = [values.get(n) if n in numeric else safe_cell(values.get(n)) for n in names]
        writer.writerow([*(safe_cell(v) for v in system), *cells])
    return out.getvalue().encode()


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        value = jsoncodec.dumps(value)
    if isinstance(value, str) and value.startswith(CSV_FORMULA_PREFIXES):
        return "'" + value
    return value
