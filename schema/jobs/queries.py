"""Scheduled-job reads (scope `read`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.jobs import service
from schema.jobs.types import ScheduledJobNode


@strawberry.type
class JobQueries:
    @strawberry.field(description="The tenant's scheduled jobs, oldest first.")
    async def scheduled_jobs(self, info: Info, limit: Optional[int] = None, offset: Optional[int] = None) -> list[ScheduledJobNode]:
        return [ScheduledJobNode.of(j) for j in await service.list_jobs(info.context.principal, limit=limit, offset=offset)]

    @strawberry.field(description="One scheduled job.")
    async def scheduled_job(self, info: Info, id: strawberry.ID) -> ScheduledJobNode:
        return ScheduledJobNode.of(await service.get_job(info.context.principal, str(id)))
