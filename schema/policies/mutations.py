"""Policy changes (scope `schema`) and the simulator (`read`)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.policies import service
from schema.common import Deleted
from schema.inputs import provided_fields
from schema.policies.types import AccessPolicyNode, CreateAccessPolicyInput, UpdateAccessPolicyInput


@strawberry.type
class PolicyMutations:
    @strawberry.mutation(description="Add a policy; condition_json is the list filter language with $auth.user_id, $auth.role, $auth.email.")
    async def create_access_policy(self, info: Info, object_type_id: str, input: CreateAccessPolicyInput) -> AccessPolicyNode:
        return AccessPolicyNode.of(await service.create_policy(info.context.principal, object_type_id, provided_fields(input)))

    @strawberry.mutation(description="Change a policy; it applies from the next request on every process.")
    async def update_access_policy(self, info: Info, object_type_id: str, id: strawberry.ID, input: UpdateAccessPolicyInput) -> AccessPolicyNode:
        return AccessPolicyNode.of(await service.update_policy(info.context.principal, object_type_id, str(id), provided_fields(input)))

    @strawberry.mutation(description="Delete a policy.")
    async def delete_access_policy(self, info: Info, object_type_id: str, id: strawberry.ID) -> Deleted:
        return Deleted(id=strawberry.ID(await service.delete_policy(info.context.principal, object_type_id, str(id))), deleted=True)

    @strawberry.mutation(description="Per sample row, what the request path decides for this policy and auth context.")
    async def simulate_policy(self, info: Info, policy: JSON, auth_context: Optional[JSON] = None, sample_data: Optional[JSON] = None) -> JSON:
        return await service.simulate(info.context.principal, policy, auth_context, sample_data or [])
