"""The SDK file-based extensions get in `register(sdk)`: hooks, items services, routes.

Extensions are operator code (trusted, loaded at start): their handlers run in the server process.
Everything they touch still goes through the services, scoped to the tenant of the request or
event they handle, with that caller's scopes and policies.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from resolvers import db
from resolvers.hooks.bridge import Services, item
from resolvers.hooks.emitter import accountability, current
from resolvers.hooks.registry import Handler, Registry
from resolvers.plugins.schemas import SDK_PARAM, ExtensionLoadError, ExtensionRoute, METHODS, RoutePattern, permission_of
from resolvers.principal import Principal

if TYPE_CHECKING:
    from resolvers.plugins.schemas import Extension

# Who the running hook or route handler acts for: `sdk.items_service(collection)` uses it.
CALLER: ContextVar[Principal | None] = ContextVar("basalt_extension_caller", default=None)


class ItemsService:
    """One collection's objects for one principal (by default, whoever the running hook or route
    handler acts for): Directus' ItemsService, in Python."""

    def __init__(self, collection: str, principal: Principal | None = None) -> None:
        self.collection = collection
        self._principal = principal

    @property
    def _services(self) -> Services:
        runtime = current()
        principal = self._principal or CALLER.get()
        if runtime is None or principal is None:
            raise RuntimeError("items services work inside a request, hook or route handler")
        return Services(principal, runtime)

    async def read_by_query(self, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return await self._services.read_by_query(self.collection, query or {})

    async def read_one(self, object_id: str) -> dict[str, Any] | None:
        return await self._services.read_one(self.collection, object_id)

    async def create_one(self, data: dict[str, Any]) -> str:
        async with db.transaction():  # the object and its event commit together
            return await self._services.create_one(self.collection, data)

    async def update_one(self, object_id: str, data: dict[str, Any]) -> str:
        async with db.transaction():
            return await self._services.update_one(self.collection, object_id, data)

    async def delete_one(self, object_id: str) -> str:
        async with db.transaction():
            return await self._services.delete_one(self.collection, object_id)

    readByQuery, readOne, createOne, updateOne, deleteOne = read_by_query, read_one, create_one, update_one, delete_one


@dataclass(frozen=True)
class HookContext:
    """What a Python hook handler gets as `context`."""

    principal: Principal
    accountability: dict[str, Any]

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id

    @classmethod
    def of(cls, principal: Principal) -> "HookContext":
        return cls(principal, accountability(principal))

    def items(self, collection: str) -> ItemsService:
        return ItemsService(collection, self.principal)


class SdkEmitter:
    """`sdk.emitter`: hooks in Python, in the contract's names and in snake_case."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self.on_filter = self.onFilter = registry.on_filter
        self.on_action = self.onAction = registry.on_action
        self.off_filter = self.offFilter = registry.off_filter
        self.off_action = self.offAction = registry.off_action


class Sdk:
    """What `register(sdk)` receives."""

    def __init__(self, extension: "Extension", registry: Registry) -> None:
        self.extension = extension
        self.emitter = SdkEmitter(registry)

    def items_service(self, collection: str) -> ItemsService:
        return ItemsService(collection)

    createItemsService = items_service

    def register_routes(self, config: dict[str, Any]) -> None:
        """Routes at /api/ext/<base_path>/<path>, each with the permission it needs."""
        source = f"{self.extension.path}/__init__.py ({config.get('name') or self.extension.name})"
        base = str(config.get("base_path") or config.get("basePath") or "").strip("/")
        if not base:
            raise ExtensionLoadError(f"{source}: register_routes needs a base_path")
        for route in config.get("routes") or []:
            self.extension.routes.append(self._route(route, base, source, config.get("description")))

    registerRoutes = register_routes

    def _route(self, route: dict[str, Any], base: str, source: str, description: str | None) -> ExtensionRoute:
        method = str(route.get("method") or "").upper()
        handler: Handler | None = route.get("handler")
        if method not in METHODS or not callable(handler):
            raise ExtensionLoadError(f"{source}: each route needs a method ({', '.join(METHODS)}) and a handler")
        segments: list[str | None] = []
        params: list[str] = []
        for part in [*base.split("/"), *str(route.get("path") or "/").strip("/").split("/")]:
            if not part:
                continue
            named = SDK_PARAM.match(part)
            segments.append(None if named else part)
            if named:
                params.append(named.group(1))
        permission = route.get("required_permission") or route.get("requiredPermission")
        return ExtensionRoute(
            kind="sdk", extension=self.extension.name, method=method, pattern=RoutePattern(tuple(segments), tuple(params)), handler=handler,
            source=source, auth="authenticated", permission=permission_of(str(permission), source) if permission else None,
            description=route.get("description") or description,
        )


__all__ = ["CALLER", "HookContext", "ItemsService", "Sdk", "item"]
