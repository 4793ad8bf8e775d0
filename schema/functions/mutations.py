"""Custom function changes (scope `schema`) and runs (scope `write`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.functions import service
from schema.extensions import own_transactions
from schema.functions.types import (
    CreateCustomFunctionInput,
    CustomFunctionDeleted,
    CustomFunctionNode,
    FunctionLogNode,
    UpdateCustomFunctionInput,
)
from schema.inputs import provided_fields


@strawberry.type
class CustomFunctionMutations:
    @strawberry.mutation(description="Add a function; its code must compile. A schedule trigger creates its scheduled job.")
    async def create_custom_function(self, info: Info, input: CreateCustomFunctionInput) -> CustomFunctionNode:
        return CustomFunctionNode.of(await service.create_function(info.context.principal, provided_fields(input), runtime=info.context.runtime))

    @strawberry.mutation(description="Change a function (its scheduled job follows).")
    async def update_custom_function(self, info: Info, id: strawberry.ID, input: UpdateCustomFunctionInput) -> CustomFunctionNode:
        return CustomFunctionNode.of(
            await service.update_function(info.context.principal, str(id), provided_fields(input), runtime=info.context.runtime)
        )

    @strawberry.mutation(description="Delete a function and its scheduled job (its logs stay until pruned).")
    async def delete_custom_function(self, info: Info, id: strawberry.ID) -> CustomFunctionDeleted:
        deleted = await service.delete_function(info.context.principal, str(id))
        return CustomFunctionDeleted(deleted=True, id=strawberry.ID(deleted))

    @strawberry.mutation(**own_transactions("Run a function now with `input`, as the caller; answers its log (result, console, duration)."))
    async def execute_custom_function(self, info: Info, id: strawberry.ID, input: Optional[JSON] = None) -> FunctionLogNode:
        given = {} if input is None else input
        return FunctionLogNode.of(await service.execute_function(info.context.principal, str(id), given, runtime=info.context.runtime))
