"""Governance changes (scope `auth`): they apply to the next request on every process."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.governance import service


@strawberry.type
class GovernanceMutations:
    @strawberry.mutation(description="Change governance settings (given keys replace; unknown keys are refused).")
    async def update_governance(self, info: Info, input: JSON) -> JSON:
        return await service.update_governance(info.context.principal, input)
