"""End-user auth GraphQL types."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.auth.schemas import SessionRecord, TokenPair, UserRecord
from resolvers.auth.service import ClientInfo


@strawberry.type(name="AuthUser", description="An end user of the tenant's app.")
class AuthUserNode:
    id: strawberry.ID
    email: Optional[str]
    phone: Optional[str]
    role: str
    email_verified: bool
    phone_verified: bool
    is_anonymous: bool
    banned: bool
    ban_reason: Optional[str]
    user_metadata: JSON
    created_at: Optional[datetime]
    updated_at: Optional[datetime]
    last_sign_in_at: Optional[datetime]

    @classmethod
    def of(cls, user: UserRecord) -> "AuthUserNode":
        return cls(
            id=strawberry.ID(user.id),
            email=user.email,
            phone=user.phone,
            role=user.role,
            email_verified=user.email_verified_at is not None,
            phone_verified=False,
            is_anonymous=user.is_anonymous,
            banned=user.status == "banned",
            ban_reason=user.ban_reason,
            user_metadata=user.user_metadata,
            created_at=user.created_at,
            updated_at=user.updated_at,
            last_sign_in_at=user.last_sign_in_at,
        )


@strawberry.type(description="An access token (JWT, EdDSA) and a single-use refresh token.")
class AuthTokens:
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    user: AuthUserNode

    @classmethod
    def of(cls, pair: TokenPair) -> "AuthTokens":
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            token_type=pair.token_type,
            expires_in=pair.expires_in,
            user=AuthUserNode.of(pair.user),
        )


@strawberry.type(name="AuthSession", description="A signed-in device or browser of the current user.")
class AuthSessionNode:
    id: strawberry.ID
    user_id: str
    ip: Optional[str]
    user_agent: Optional[str]
    created_at: datetime
    last_active_at: Optional[datetime]
    current: bool

    @classmethod
    def of(cls, session: SessionRecord) -> "AuthSessionNode":
        return cls(
            id=strawberry.ID(session.id),
            user_id=session.user_id,
            ip=session.ip,
            user_agent=session.user_agent,
            created_at=session.created_at,
            last_active_at=session.last_used_at,
            current=session.current,
        )


@strawberry.type
class LogoutResult:
    message: str


@strawberry.type
class RevokedSessions:
    revoked: int


@strawberry.type
class RevokedSession:
    revoked: bool


@strawberry.input
class UpdateCurrentUserInput:
    email: Optional[str] = strawberry.UNSET
    phone: Optional[str] = strawberry.UNSET
    password: Optional[str] = strawberry.UNSET
    user_metadata: Optional[JSON] = strawberry.UNSET


def client_of(info: Info) -> ClientInfo:
    connection = info.context.connection
    user_agent = connection.headers.get("user-agent") if connection is not None else None
    return ClientInfo(ip=info.context.client_ip, user_agent=user_agent)
