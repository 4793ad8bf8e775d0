"""Plugin reads (scope `read`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.plugins import service
from schema.plugins.types import AvailableExtensionNode, PluginNode


@strawberry.type
class PluginQueries:
    @strawberry.field(description="The plugins this tenant installed.")
    async def plugins(self, info: Info) -> list[PluginNode]:
        return [PluginNode.of(p) for p in await service.list_plugins(info.context.principal)]

    @strawberry.field(description="One installed plugin.")
    async def plugin(self, info: Info, id: strawberry.ID) -> PluginNode:
        return PluginNode.of(await service.get_plugin(info.context.principal, str(id)))

    @strawberry.field(description="The extensions this server offers to install.")
    def available_extensions(self, info: Info) -> list[AvailableExtensionNode]:
        return [AvailableExtensionNode.of(e) for e in service.available(info.context.principal, info.context.runtime.catalog)]
