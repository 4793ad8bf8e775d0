"""Import and export mutations."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.data_io import service
from resolvers.data_io.schemas import ImportRequest
from schema.data_io.types import DataExport, ImportDataInput, ImportOutcome, StartExportInput
from schema.inputs import provided_fields


@strawberry.type
class DataIoMutations:
    @strawberry.mutation(description="Import up to 10,000 rows; valid rows are created, invalid ones reported per row.")
    async def import_data(self, info: Info, input: ImportDataInput) -> ImportOutcome:
        result = await service.import_rows(info.context.principal, ImportRequest(**provided_fields(input)))
        return ImportOutcome.from_result(result)

    @strawberry.mutation(description="Start an asynchronous export (json or csv, up to 100,000 objects).")
    async def start_data_export(self, info: Info, input: StartExportInput) -> DataExport:
        status = await service.start_export(info.context.principal, input.object_type_id, input.format, input.filter)
        info.context.runtime.wake_workers()
        return DataExport.from_status(status)
