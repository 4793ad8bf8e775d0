"""Health queries (public)."""

from __future__ import annotations

from dataclasses import asdict

import strawberry
from strawberry.types import Info

from resolvers.health import service
from schema.health.types import Health, Readiness


@strawberry.type
class HealthQueries:
    @strawberry.field(description="Service status, version, region and uptime. Public.")
    def health(self, info: Info) -> Health:
        return Health(**asdict(service.health(info.context.runtime)))

    @strawberry.field(description="Whether this process can serve traffic (database reachable). Public.")
    async def readiness(self) -> Readiness:
        return Readiness(**asdict(await service.readiness()))
