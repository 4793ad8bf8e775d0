"""Automation changes (scope `schema`) and triggering one by hand (`write`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.automations import service
from schema.automations.types import AutomationDeleted, AutomationNode, AutomationTriggered, CreateAutomationInput, UpdateAutomationInput
from schema.inputs import provided_fields


@strawberry.type
class AutomationMutations:
    @strawberry.mutation(description="Create an automation; conditions and actions are checked now.")
    async def create_automation(self, info: Info, input: CreateAutomationInput) -> AutomationNode:
        return AutomationNode.of(await service.create_automation(info.context.principal, provided_fields(input)))

    @strawberry.mutation(description="Change an automation.")
    async def update_automation(self, info: Info, id: strawberry.ID, input: UpdateAutomationInput) -> AutomationNode:
        return AutomationNode.of(await service.update_automation(info.context.principal, str(id), provided_fields(input)))

    @strawberry.mutation(description="Delete an automation (its runs stay readable until pruned).")
    async def delete_automation(self, info: Info, id: strawberry.ID) -> AutomationDeleted:
        return AutomationDeleted(deleted=await service.delete_automation(info.context.principal, str(id)))

    @strawberry.mutation(description="Queue a run with the given data as its record; answers the run id.")
    async def trigger_automation(self, info: Info, id: strawberry.ID, data: Optional[JSON] = None) -> AutomationTriggered:
        return AutomationTriggered(run_id=await service.trigger(info.context.principal, str(id), data, runtime=info.context.runtime))
