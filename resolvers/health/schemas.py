"""Health and readiness shapes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Health:
    status: str
    service: str
    version: str
    region: str
    uptime: float
    timestamp: str


@dataclass(frozen=True)
class Readiness:
    status: str
    service: str
    timestamp: str
