"""API-key mutations: thin fields over `resolvers.api_keys.service`."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.api_keys import service
from resolvers.api_keys.schemas import KeyCreate, KeyPatch
from schema.api_keys.types import (
    ApiKey,
    CreateApiKeyInput,
    CreatedApiKey,
    RevokedApiKey,
    RotateApiKeyInput,
    RotatedApiKey,
    UpdateApiKeyInput,
)
from schema.inputs import provided_fields


@strawberry.type
class ApiKeyMutations:
    @strawberry.mutation(description="Mint a key. It can hold no scope, allowlist, expiry or rate beyond the caller's.")
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreatedApiKey:
        created = await service.create_key(info.context.principal, KeyCreate(**provided_fields(input)))
        return CreatedApiKey(key=ApiKey.from_model(created.key), token=created.token)

    @strawberry.mutation(description="Change a key's label, scopes, allowlist, expiry or rate limit.")
    async def update_api_key(self, info: Info, id: strawberry.ID, input: UpdateApiKeyInput) -> ApiKey:
        patch = KeyPatch(**provided_fields(input))  # type: ignore[typeddict-item]
        return ApiKey.from_model(await service.update_key(info.context.principal, str(id), patch))

    @strawberry.mutation(description="Revoke a key at once. Keys it minted make this a secure deletion (409 + confirm_token).")
    async def revoke_api_key(
        self, info: Info, id: strawberry.ID, force: bool = False, confirm_token: Optional[str] = None
    ) -> RevokedApiKey:
        revoked = await service.revoke_key(
            info.context.principal, str(id), runtime=info.context.runtime, force=force, confirm_token=confirm_token
        )
        return RevokedApiKey(key_id=revoked.key_id, revoked=revoked.revoked, revoked_keys=revoked.revoked_keys)

    @strawberry.mutation(description="Issue a new token for a key and revoke the old one at once.")
    async def rotate_api_key(self, info: Info, id: strawberry.ID, input: Optional[RotateApiKeyInput] = None) -> RotatedApiKey:
        fields = provided_fields(input) if input else {}
        rotated = await service.rotate_key(info.context.principal, str(id), **fields)
        return RotatedApiKey(
            old_key=ApiKey.from_model(rotated.old_key), new_key=ApiKey.from_model(rotated.new_key), token=rotated.token
        )
