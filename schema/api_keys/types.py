"""API-key GraphQL types and inputs."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from models.api_keys import ApiKey as ApiKeyModel
from resolvers.api_keys import service


@strawberry.type(name="ApiKey", description="An API key's metadata. The token itself is only ever returned once.")
class ApiKey:
    id: strawberry.ID
    tenant_id: str
    label: str
    prefix: str = strawberry.field(description="The token's first characters, to recognise it")
    scopes: list[str]
    ip_allowlist: list[str]
    expires_at: Optional[datetime]
    rate_limit: Optional[int] = strawberry.field(description="Requests per minute; null for no limit")
    parent_key_id: Optional[str] = strawberry.field(description="The key that minted this one")
    status: str = strawberry.field(description="active, expired or revoked")
    revoked_at: Optional[datetime]
    last_used_at: Optional[datetime]
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The key that minted this one, when still visible")
    async def parent_key(self, info: Info) -> Optional["ApiKey"]:
        if self.parent_key_id is None:
            return None
        tenant_id = self.tenant_id
        loader = info.context.loaders.get(
            "api_keys_by_id", lambda: DataLoader(lambda ids: service.keys_by_ids(tenant_id, list(ids)))
        )
        parent = await loader.load(self.parent_key_id)
        return ApiKey.from_model(parent) if parent else None

    @classmethod
    def from_model(cls, key: ApiKeyModel) -> "ApiKey":
        return cls(
            id=strawberry.ID(key.id),
            tenant_id=key.tenant_id,
            label=key.label,
            prefix=key.prefix,
            scopes=list(key.scopes or []),
            ip_allowlist=list(key.ip_allowlist or []),
            expires_at=key.expires_at,
            rate_limit=key.rate_limit,
            parent_key_id=key.parent_key_id,
            status=_status(key),
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
            created_at=key.created_at,
            updated_at=key.updated_at,
        )


def _status(key: ApiKeyModel) -> str:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= datetime.now(timezone.utc):
        return "expired"
    return "active"


@strawberry.type(description="A new key and its token, shown this once.")
class CreatedApiKey:
    key: ApiKey
    token: str


@strawberry.type(description="The revoked key and the new one that replaces it.")
class RotatedApiKey:
    old_key: ApiKey
    new_key: ApiKey
    token: str


@strawberry.type(description="Which keys a revocation turned off (the key and any it minted).")
class RevokedApiKey:
    key_id: str
    revoked: bool
    revoked_keys: list[str]


@strawberry.input
class CreateApiKeyInput:
    label: str
    scopes: list[str]
    ip_allowlist: Optional[list[str]] = None
    expires_at: Optional[datetime] = None
    rate_limit: Optional[int] = None


@strawberry.input(description="Only the fields sent are changed.")
class UpdateApiKeyInput:
    label: Optional[str] = strawberry.UNSET
    scopes: Optional[list[str]] = strawberry.UNSET
    ip_allowlist: Optional[list[str]] = strawberry.UNSET
    expires_at: Optional[datetime] = strawberry.UNSET
    rate_limit: Optional[int] = strawberry.UNSET


@strawberry.input
class RotateApiKeyInput:
    label: Optional[str] = None
    scopes: Optional[list[str]] = None
