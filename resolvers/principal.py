"""Who is calling: the transport-neutral identity every service receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

PrincipalKind = Literal["api_key", "user", "portal"]  # portal: a public auth route naming its tenant


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    kind: PrincipalKind
    scopes: frozenset[str]
    key_id: str | None = None
    user_id: str | None = None
    role: str | None = None
    session_id: str | None = None  # a user's auth session (logout and session lists use it)
    ip_allowlist: tuple[str, ...] = field(default=())
    expires_at: datetime | None = None
    rate_limit: int | None = None
    # The tenant's schema version when the request was authenticated (None: unknown). Services
    # use it to check a cached type schema without another query; see objects/schema_cache.py.
    schema_version: int | None = None

    @property
    def actor(self) -> str | None:
        """Who is recorded as having done something: the user, else the API key."""
        return self.user_id or self.key_id

    @property
    def is_tenant_admin(self) -> bool:
        return "*" in self.scopes
