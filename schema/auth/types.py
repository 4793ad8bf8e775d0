"""End-user auth GraphQL types."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.auth.schemas import MfaRequired, SessionRecord, TokenPair, UserRecord
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
            phone_verified=user.phone_verified_at is not None,
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


@strawberry.type(description="What happened, in words (the same whether or not an account has the address).")
class AuthMessage:
    message: str


@strawberry.type
class EmailVerified:
    verified: bool


@strawberry.type
class PasswordReset:
    password_reset: bool


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


@strawberry.type(name="MfaFactor", description="A second factor (TOTP) of a user.")
class MfaFactorNode:
    id: strawberry.ID
    type: str
    friendly_name: Optional[str]
    created_at: Optional[str] = None
    verified_at: Optional[str] = None

    @classmethod
    def of(cls, factor: dict[str, Any]) -> "MfaFactorNode":
        return cls(
            id=strawberry.ID(factor["id"]), type=factor["type"], friendly_name=factor.get("friendly_name"),
            created_at=factor.get("created_at"), verified_at=factor.get("verified_at"),
        )


@strawberry.type(description="Tokens, or (mfa_required) a ticket to finish the login with a second factor.")
class LoginResult:
    mfa_required: bool
    access_token: Optional[str] = None
    refresh_token: Optional[str] = None
    token_type: Optional[str] = None
    expires_in: Optional[int] = None
    user: Optional[AuthUserNode] = None
    mfa_ticket: Optional[str] = None
    factors: Optional[list[MfaFactorNode]] = None

    @classmethod
    def of(cls, result: TokenPair | MfaRequired) -> "LoginResult":
        if isinstance(result, MfaRequired):
            return cls(mfa_required=True, mfa_ticket=result.mfa_ticket, factors=[MfaFactorNode.of(f) for f in result.factors])
        tokens = AuthTokens.of(result)
        return cls(
            mfa_required=False, access_token=tokens.access_token, refresh_token=tokens.refresh_token,
            token_type=tokens.token_type, expires_in=tokens.expires_in, user=tokens.user,
        )


@strawberry.type
class TotpSetup:
    secret: str
    uri: str = strawberry.field(description="otpauth:// URI for authenticator apps")
    qr_uri: str = strawberry.field(description="The same URI, to render as a QR code")


@strawberry.type
class MfaEnrollment:
    factor_id: str
    type: str
    friendly_name: Optional[str]
    totp: TotpSetup


@strawberry.type
class MfaVerification:
    verified: bool
    factor_id: str
    recovery_codes: Optional[list[str]] = strawberry.field(description="Shown once, with the first verified factor")


@strawberry.type
class MfaCheck:
    user_id: str
    verified: bool


@strawberry.type
class MfaUnenrolled:
    unenrolled: bool


@strawberry.type
class PortalTenant:
    id: str
    name: str


@strawberry.type
class PortalTenants:
    tenant_id: Optional[str] = strawberry.field(description="Set when exactly one tenant matched")
    multiple_tenants: bool
    tenants: list[PortalTenant]
