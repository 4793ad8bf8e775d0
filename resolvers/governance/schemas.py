"""Governance settings: their defaults, bounds and the typed view the rest of the code reads."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from models import jsoncodec

DEFAULTS: dict[str, Any] = {"audit_retention_days": 90, "session_duration_secs": None, "password_min_length": None, "ip_allowlist": []}
MAX_ALLOWLIST = 100


@dataclass(frozen=True)
class Governance:
    audit_retention_days: int = 90
    session_duration_secs: int | None = None  # a session older than this ends (None: only token lifetimes apply)
    password_min_length: int | None = None  # a floor under the auth config's own (None: the auth config decides)
    ip_allowlist: tuple[str, ...] = ()  # networks every key and user request must come from (empty: any)

    @classmethod
    def of(cls, stored: Any) -> "Governance":
        values = {**DEFAULTS, **(_json(stored) or {})}
        return cls(
            audit_retention_days=int(values["audit_retention_days"]),
            session_duration_secs=values["session_duration_secs"],
            password_min_length=values["password_min_length"],
            ip_allowlist=tuple(values["ip_allowlist"] or ()),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "audit_retention_days": self.audit_retention_days, "session_duration_secs": self.session_duration_secs,
            "password_min_length": self.password_min_length, "ip_allowlist": list(self.ip_allowlist),
        }

    def allows_ip(self, client_ip: str | None) -> bool:
        if not self.ip_allowlist:
            return True
        try:
            address = ipaddress.ip_address(client_ip or "")
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(n, strict=False) for n in self.ip_allowlist)

    def session_over(self, started: datetime, now: datetime) -> bool:
        return self.session_duration_secs is not None and now - started > timedelta(seconds=self.session_duration_secs)


def _json(value: Any) -> Any:
    return jsoncodec.loads(value) if isinstance(value, (str, bytes)) else value
