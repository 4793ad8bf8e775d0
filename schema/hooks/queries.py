"""Runtime hook reads (scope `read`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.hooks import service
from schema.hooks.types import RuntimeHookNode


@strawberry.type
class RuntimeHookQueries:
    @strawberry.field(description="The tenant's runtime hooks in execution order (sort, then age).")
    async def runtime_hooks(
        self, info: Info, status: Optional[str] = None, event: Optional[str] = None, type: Optional[str] = None,
        limit: Optional[int] = None, offset: Optional[int] = None,
    ) -> list[RuntimeHookNode]:
        rows, _ = await service.list_hooks(info.context.principal, status=status, event=event, type=type, limit=limit, offset=offset)
        return [RuntimeHookNode.of(r) for r in rows]

    @strawberry.field(description="One runtime hook, with its execution statistics.")
    async def runtime_hook(self, info: Info, id: strawberry.ID) -> RuntimeHookNode:
        return RuntimeHookNode.of(await service.get_hook(info.context.principal, str(id)))
