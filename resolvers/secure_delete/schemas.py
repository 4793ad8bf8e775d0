"""Shapes of the secure-deletion flow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resolvers.errors import Conflict

CONFIRM_TOKEN_TTL_SECONDS = 300


@dataclass(frozen=True)
class Dependency:
    type: str
    count: int
    label: str

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "count": self.count, "label": self.label}


class DependencyExists(Conflict):
    code = "DEPENDENCY_EXISTS"
    default_message = "Cannot delete: dependent records exist"

    def __init__(self, dependencies: list[Dependency], confirm_token: str, message: str | None = None) -> None:
        super().__init__(message)
        self.dependencies = dependencies
        self.confirm_token = confirm_token

    def extra(self) -> dict[str, Any]:
        return {
            "dependencies": [d.as_dict() for d in self.dependencies],
            "confirm_token": self.confirm_token,
        }
