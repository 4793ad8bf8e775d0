"""Installing, configuring and uninstalling plugins (scope `schema`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.plugins import service
from schema.inputs import provided_fields
from schema.plugins.types import InstallPluginInput, PluginDeleted, PluginNode, UpdatePluginInput


@strawberry.type
class PluginMutations:
    @strawberry.mutation(description="Install an extension this server offers, with the tenant's config; its plugin routes answer at once.")
    async def install_plugin(self, info: Info, input: InstallPluginInput) -> PluginNode:
        return PluginNode.of(await service.install_plugin(info.context.principal, provided_fields(input), runtime=info.context.runtime))

    @strawberry.mutation(description="Change a plugin's config or enable/disable it (disabled: its routes answer 404).")
    async def update_plugin(self, info: Info, id: strawberry.ID, input: UpdatePluginInput) -> PluginNode:
        return PluginNode.of(await service.update_plugin(info.context.principal, str(id), provided_fields(input), runtime=info.context.runtime))

    @strawberry.mutation(description="Uninstall a plugin (its routes answer 404 for this tenant).")
    async def uninstall_plugin(self, info: Info, id: strawberry.ID) -> PluginDeleted:
        deleted = await service.uninstall_plugin(info.context.principal, str(id))
        return PluginDeleted(deleted=True, id=strawberry.ID(deleted))
