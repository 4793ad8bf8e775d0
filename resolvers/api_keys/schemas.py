"""API-key inputs and results, independent of any transport."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from models.api_keys import ApiKey
from resolvers.governance.schemas import Governance

TOKEN_PREFIX = "bsk_"
MAX_LABEL_LENGTH = 200
MAX_ALLOWLIST_ENTRIES = 50
MAX_RATE_LIMIT = 1_000_000
LIST_MAX_LIMIT = 100


@dataclass(frozen=True)
class KeyCreate:
    label: str
    scopes: list[str]
    ip_allowlist: list[str] | None = None
    expires_at: datetime | None = None
    rate_limit: int | None = None


class KeyPatch(TypedDict, total=False):
    """Only the fields the caller sent; an absent key means "leave as is"."""

    label: str
    scopes: list[str]
    ip_allowlist: list[str] | None
    expires_at: datetime | None
    rate_limit: int | None


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    token: str


@dataclass(frozen=True)
class RotatedKey:
    old_key: ApiKey
    new_key: ApiKey
    token: str


@dataclass(frozen=True)
class RevokedKey:
    key_id: str
    revoked: bool
    revoked_keys: list[str]


@dataclass(frozen=True)
class Credential:
    """The key and its tenant's status, as authentication reads them in one query."""

    key_id: str
    tenant_id: str
    tenant_status: str
    scopes: tuple[str, ...]
    ip_allowlist: tuple[str, ...]
    expires_at: datetime | None
    rate_limit: int | None
    revoked: bool
    schema_version: int
    governance: Governance = Governance()
