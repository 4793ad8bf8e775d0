"""Liveness (the process answers) and readiness (the database answers)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone

from resolvers.errors import ServiceUnavailable
from resolvers.health import repository
from resolvers.health.schemas import Health, Readiness
from resolvers.runtime import Runtime

SERVICE = "basalt"
READY_TIMEOUT_SECONDS = 2.0
log = logging.getLogger(__name__)


def health(runtime: Runtime) -> Health:
    return Health(
        status="ok",
        service=SERVICE,
        version=runtime.version,
        region=runtime.region,
        uptime=round(time.monotonic() - runtime.started_at, 3),
        timestamp=_now(),
    )


async def readiness() -> Readiness:
    try:
        await asyncio.wait_for(repository.ping(), READY_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure to reach the database means "not ready"
        log.warning("readiness check failed: %s", exc)
        raise ServiceUnavailable("The database is not reachable") from None
    return Readiness(status="ready", service=SERVICE, timestamp=_now())


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()
