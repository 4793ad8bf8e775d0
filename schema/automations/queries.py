"""Automation reads (scope `read`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.automations import service
from schema.automations.types import AutomationNode, AutomationRunNode, AutomationRunPage


@strawberry.type
class AutomationQueries:
    @strawberry.field(description="The tenant's automations, oldest first.")
    async def automations(self, info: Info) -> list[AutomationNode]:
        return [AutomationNode.of(a) for a in await service.list_automations(info.context.principal)]

    @strawberry.field(description="One automation.")
    async def automation(self, info: Info, id: strawberry.ID) -> AutomationNode:
        return AutomationNode.of(await service.get_automation(info.context.principal, str(id)))

    @strawberry.field(description="An automation's runs, newest first.")
    async def automation_runs(self, info: Info, id: strawberry.ID, limit: Optional[int] = None, offset: Optional[int] = None) -> AutomationRunPage:
        rows, total = await service.list_runs(info.context.principal, str(id), limit=limit, offset=offset)
        return AutomationRunPage(runs=[AutomationRunNode.of(r) for r in rows], total=total)
