"""Custom function reads (scope `read`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.functions import service
from schema.functions.types import CustomFunctionNode, FunctionLogNode


@strawberry.type
class CustomFunctionQueries:
    @strawberry.field(description="The tenant's custom functions, oldest first.")
    async def custom_functions(self, info: Info) -> list[CustomFunctionNode]:
        return [CustomFunctionNode.of(f) for f in await service.list_functions(info.context.principal)]

    @strawberry.field(description="One custom function.")
    async def custom_function(self, info: Info, id: strawberry.ID) -> CustomFunctionNode:
        return CustomFunctionNode.of(await service.get_function(info.context.principal, str(id)))

    @strawberry.field(description="A function's runs, newest first.")
    async def function_logs(self, info: Info, id: strawberry.ID, limit: Optional[int] = None, offset: Optional[int] = None) -> list[FunctionLogNode]:
        return [FunctionLogNode.of(row) for row in await service.list_logs(info.context.principal, str(id), limit=limit, offset=offset)]
