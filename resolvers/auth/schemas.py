"""End-user auth shapes and limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from resolvers.governance.schemas import Governance

ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_DAYS = 30
REFRESH_REUSE_GRACE_SECONDS = 10  # a concurrent refresh with the same token is not a replay
REFRESH_PREFIX = "rt_"
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024
MAX_METADATA_BYTES = 16 * 1024
LOGIN_PER_ACCOUNT_PER_MINUTE = 10
ISSUER = "basalt"
AUDIENCE = "authenticated"
USER_SCOPES = frozenset({"read", "write"})  # until roles and policies (issue 6) narrow them


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user: "UserRecord"
    session_id: str
    token_type: str = "bearer"


@dataclass(frozen=True)
class MfaRequired:
    """What a password login answers when the user has a verified second factor."""

    mfa_ticket: str
    factors: list[dict[str, Any]]


MFA_TICKET_MINUTES = 5


@dataclass(frozen=True)
class UserRecord:
    id: str
    tenant_id: str
    email: str | None
    phone: str | None
    role: str
    status: str
    is_anonymous: bool
    email_verified_at: datetime | None
    phone_verified_at: datetime | None
    last_sign_in_at: datetime | None
    user_metadata: dict[str, Any] = field(default_factory=dict)
    ban_reason: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SessionRecord:
    id: str
    user_id: str
    user_agent: str | None
    ip: str | None
    created_at: datetime
    last_used_at: datetime | None
    current: bool


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says."""

    tenant_id: str
    user_id: str
    session_id: str
    role: str
    expires_at: datetime


@dataclass(frozen=True)
class UserCredential:
    """The live state behind an access token, read in one query per request."""

    user_id: str
    tenant_id: str
    role: str
    user_status: str
    session_revoked: bool
    tenant_status: str
    schema_version: int
    roles_version: int = 0
    governance: Governance = Governance()
    session_started: datetime | None = None
