"""API-key queries."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.api_keys import service
from schema.api_keys.types import ApiKey


@strawberry.type
class ApiKeyQueries:
    @strawberry.field(description="The tenant's API keys, newest first (metadata only).")
    async def api_keys(self, info: Info, limit: int = 50, offset: int = 0, include_revoked: bool = False) -> list[ApiKey]:
        keys = await service.list_keys(info.context.principal, limit=limit, offset=offset, include_revoked=include_revoked)
        return [ApiKey.from_model(k) for k in keys]

    @strawberry.field(description="One API key of the tenant.")
    async def api_key(self, info: Info, id: strawberry.ID) -> ApiKey:
        return ApiKey.from_model(await service.get_key(info.context.principal, str(id)))
