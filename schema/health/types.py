"""Health types."""

from __future__ import annotations

import strawberry


@strawberry.type(description="Liveness: the process is up.")
class Health:
    status: str
    service: str
    version: str
    region: str
    uptime: float
    timestamp: str


@strawberry.type(description="Readiness: the process can reach its database.")
class Readiness:
    status: str
    service: str
    timestamp: str
