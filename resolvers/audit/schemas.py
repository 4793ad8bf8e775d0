"""What an audit entry is made of, and the request facts each one records."""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from models import jsoncodec

GENESIS = "0" * 64  # the previous hash of a tenant's first entry


@dataclass(frozen=True)
class RequestFacts:
    """Set by the transport for each request (who called from where), read by `record`."""

    ip: str | None = None
    request_id: str | None = None


REQUEST: ContextVar[RequestFacts] = ContextVar("basalt_audit_request", default=RequestFacts())


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """sha256 of the previous hash and the entry's fields as canonical JSON (sorted keys, plain
    numbers), so the same entry read back from either database hashes the same."""
    canonical = json.dumps(jsoncodec.plain(fields), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def stamp(moment: datetime) -> str:
    """A timestamp as hashed: UTC, microseconds (a naive value read back from SQLite is UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hashed_fields(*, tenant_id: str, seq: int, action: str, resource_type: str, resource_id: str | None, actor: str | None,
                  actor_kind: str | None, before: Any, after: Any, ip: str | None, request_id: str | None, created_at: str) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id, "seq": seq, "action": action, "resource_type": resource_type, "resource_id": resource_id,
        "actor": actor, "actor_kind": actor_kind, "before": before, "after": after, "ip": ip, "request_id": request_id,
        "created_at": created_at,
    }
