"""Runtime hook changes and test runs (scope `schema`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.hooks import service
from schema.extensions import own_transactions
from schema.hooks.types import (
    CreateRuntimeHookInput,
    HookTestRunNode,
    RuntimeHookDeleted,
    RuntimeHookNode,
    TestHookCodeInput,
    UpdateRuntimeHookInput,
)
from schema.inputs import provided_fields


@strawberry.type
class RuntimeHookMutations:
    @strawberry.mutation(description="Add a hook (inactive unless `status` is active); its code must compile.")
    async def create_runtime_hook(self, info: Info, input: CreateRuntimeHookInput) -> RuntimeHookNode:
        return RuntimeHookNode.of(await service.create_hook(info.context.principal, provided_fields(input), runtime=info.context.runtime))

    @strawberry.mutation(description="Change a hook; every server applies it within a second.")
    async def update_runtime_hook(self, info: Info, id: strawberry.ID, input: UpdateRuntimeHookInput) -> RuntimeHookNode:
        return RuntimeHookNode.of(await service.update_hook(info.context.principal, str(id), provided_fields(input), runtime=info.context.runtime))

    @strawberry.mutation(description="Delete a hook.")
    async def delete_runtime_hook(self, info: Info, id: strawberry.ID) -> RuntimeHookDeleted:
        deleted = await service.delete_hook(info.context.principal, str(id), runtime=info.context.runtime)
        return RuntimeHookDeleted(deleted=True, id=strawberry.ID(deleted))

    @strawberry.mutation(description="Run hooks of this one (from inactive or error; its failure count starts over).")
    async def activate_runtime_hook(self, info: Info, id: strawberry.ID) -> RuntimeHookNode:
        return RuntimeHookNode.of(await service.set_active(info.context.principal, str(id), True, runtime=info.context.runtime))

    @strawberry.mutation(description="Stop running a hook.")
    async def deactivate_runtime_hook(self, info: Info, id: strawberry.ID) -> RuntimeHookNode:
        return RuntimeHookNode.of(await service.set_active(info.context.principal, str(id), False, runtime=info.context.runtime))

    @strawberry.mutation(**own_transactions("Run a saved hook once on a test payload; whatever it writes is rolled back."))
    async def test_runtime_hook(self, info: Info, id: strawberry.ID, test_payload: Optional[JSON] = None) -> HookTestRunNode:
        return HookTestRunNode.of(await service.test_hook(info.context.principal, str(id), test_payload, runtime=info.context.runtime))

    @strawberry.mutation(**own_transactions("Run hook code once before saving it; whatever it writes is rolled back."))
    async def test_hook_code(self, info: Info, input: TestHookCodeInput) -> HookTestRunNode:
        data = {"code": input.code, "type": input.type, "event": input.event, "test_payload": input.test_payload}
        return HookTestRunNode.of(await service.test_code(info.context.principal, data, runtime=info.context.runtime))
