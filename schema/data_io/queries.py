"""Export status query."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.data_io import service
from schema.data_io.types import DataExport


@strawberry.type
class DataIoQueries:
    @strawberry.field(description="An export's progress; the file itself downloads from its download_path.")
    async def data_export(self, info: Info, id: strawberry.ID) -> DataExport:
        return DataExport.from_status(await service.export_status(info.context.principal, str(id)))
