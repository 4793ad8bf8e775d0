"""Scheduled-job changes (scope `schema`) and running one now (`write`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.jobs import service
from schema.common import Deleted
from schema.extensions import own_transactions
from schema.inputs import provided_fields
from schema.jobs.types import CreateScheduledJobInput, JobRunNode, ScheduledJobNode, UpdateScheduledJobInput


@strawberry.type
class JobMutations:
    @strawberry.mutation(description="Schedule an action: cron_expression (five fields, in timezone) or run_at.")
    async def create_scheduled_job(self, info: Info, input: CreateScheduledJobInput) -> ScheduledJobNode:
        return ScheduledJobNode.of(await service.create_job(info.context.principal, provided_fields(input)))

    @strawberry.mutation(description="Change a scheduled job; its next run is computed again.")
    async def update_scheduled_job(self, info: Info, id: strawberry.ID, input: UpdateScheduledJobInput) -> ScheduledJobNode:
        return ScheduledJobNode.of(await service.update_job(info.context.principal, str(id), provided_fields(input)))

    @strawberry.mutation(description="Delete a scheduled job (its pending runs fail as deleted).")
    async def delete_scheduled_job(self, info: Info, id: strawberry.ID) -> Deleted:
        return Deleted(id=strawberry.ID(await service.delete_job(info.context.principal, str(id))), deleted=True)

    @strawberry.mutation(**own_transactions("Run the job now and answer the run (status, result or error)."))
    async def execute_scheduled_job(self, info: Info, id: strawberry.ID) -> JobRunNode:
        return JobRunNode.of(await service.execute_job(info.context.principal, str(id), runtime=info.context.runtime))
