"""End-user auth queries (a user's access token)."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.auth import config as auth_config
from resolvers.auth import mfa, service
from schema.auth.types import AuthSessionNode, AuthUserNode, MfaFactorNode


@strawberry.type
class AuthQueries:
    @strawberry.field(description="The signed-in user (needs a user's access token).")
    async def current_user(self, info: Info) -> AuthUserNode:
        return AuthUserNode.of(await service.current_user(info.context.principal))

    @strawberry.field(description="The signed-in user's active sessions, newest first.")
    async def auth_sessions(self, info: Info) -> list[AuthSessionNode]:
        return [AuthSessionNode.of(s) for s in await service.list_sessions(info.context.principal)]

    @strawberry.field(description="Everything held about the signed-in user (GDPR-style export); once an hour.")
    async def export_my_data(self, info: Info) -> JSON:
        return await service.export_my_data(info.context.principal, runtime=info.context.runtime)

    @strawberry.field(description="The tenant's auth configuration with defaults filled in (scope auth).")
    async def auth_config(self, info: Info) -> JSON:
        return await auth_config.get_config(info.context.principal)

    @strawberry.field(description="The signed-in user's MFA factors (verified_at is null until confirmed).")
    async def mfa_factors(self, info: Info) -> list[MfaFactorNode]:
        return [MfaFactorNode.of(f) for f in await mfa.factors(info.context.principal)]

    @strawberry.field(description="A user's MFA factors (an API key with the auth scope).")
    async def user_mfa_factors(self, info: Info, user_id: strawberry.ID) -> list[MfaFactorNode]:
        return [MfaFactorNode.of(f) for f in await mfa.user_factors(info.context.principal, str(user_id))]
