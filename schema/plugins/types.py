"""GraphQL types of installed plugins and of the extensions this server offers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON

from models.plugins import Plugin
from resolvers.plugins.schemas import Extension


@strawberry.type(name="Plugin", description="An extension this tenant installed, with its config.")
class PluginNode:
    id: strawberry.ID
    name: str
    version: Optional[str]
    manifest_json: JSON
    config_json: JSON
    enabled: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Plugin) -> "PluginNode":
        manifest: Any = row.manifest_json or {}
        config: Any = row.config_json or {}
        return cls(
            id=strawberry.ID(row.id), name=row.name, version=row.version, manifest_json=manifest, config_json=config, enabled=row.enabled,
            created_at=row.created_at, updated_at=row.updated_at,
        )


@strawberry.type(name="AvailableExtension", description="A file-based extension this server loaded, which tenants may install.")
class AvailableExtensionNode:
    name: str
    version: Optional[str]
    description: Optional[str]
    routes: list[str] = strawberry.field(description="METHOD URL of each of its routes.")

    @classmethod
    def of(cls, extension: Extension) -> "AvailableExtensionNode":
        prefixes = {"file": "/api/ext", "sdk": "/api/ext", "plugin": "/api/v1/plugin"}
        routes = [f"{r.method} {prefixes[r.kind]}{r.pattern.shape}" for r in extension.routes]
        return cls(name=extension.name, version=extension.version, description=extension.description, routes=routes)


@strawberry.type
class PluginDeleted:
    deleted: bool
    id: strawberry.ID


@strawberry.input
class InstallPluginInput:
    name: str
    version: Optional[str] = strawberry.UNSET
    manifest_json: Optional[JSON] = strawberry.UNSET
    config_json: Optional[JSON] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET


@strawberry.input
class UpdatePluginInput:
    name: Optional[str] = strawberry.UNSET
    config_json: Optional[JSON] = strawberry.UNSET
    enabled: Optional[bool] = strawberry.UNSET
