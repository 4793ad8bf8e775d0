"""Who is calling: the transport-neutral identity every service receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

PrincipalKind = Literal["api_key", "user", "portal", "system"]  # portal: a public auth route naming its tenant; system: an automation or job


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
    roles_version: int | None = None  # the tenant's, for users: keys the cache of their permissions

    @classmethod
    def system(cls, tenant_id: str, acting_for: str) -> "Principal":
        """An automation or scheduled job at work: it reads and writes the tenant's data, and is
        recorded as the actor (its id)."""
        return cls(tenant_id=tenant_id, kind="system", scopes=frozenset({"read", "write"}), key_id=acting_for)

    @property
    def actor(self) -> str | None:
        """Who is recorded as having done something: the user, else the API key."""
        return self.user_id or self.key_id

    @property
    def is_tenant_admin(self) -> bool:
        return "*" in self.scopes
