"""Which extension route answers a request, and whether the caller may call it (transport-neutral;
rest_compat/extension_routes.py speaks HTTP)."""

from __future__ import annotations

from typing import Any

from resolvers.authz import require_permission
from resolvers.errors import Forbidden, MethodNotAllowed, NotFound, RouteNotFound, Unauthorized
from resolvers.plugins import service
from resolvers.plugins.schemas import Catalog, ExtensionRoute, InvalidInput
from resolvers.principal import Principal


def resolve(catalog: Catalog, kinds: tuple[str, ...], method: str, parts: list[str]) -> tuple[ExtensionRoute, dict[str, str]]:
    """The most specific route for the path and method; 404 when no route has the path, 405
    (with the methods that have it) when only other methods do."""
    matching = [(r, p) for k in kinds for r in catalog.routes(k) if (p := r.pattern.match(parts)) is not None]
    if not matching:
        raise RouteNotFound("No extension route for this path")
    wanted = "GET" if method == "HEAD" else method
    for_method = sorted((m for m in matching if m[0].method == wanted), key=lambda m: m[0].pattern.specificity)
    if not for_method:
        raise MethodNotAllowed(allowed=sorted({r.method for r, _ in matching}))
    return for_method[0]


async def authorize(route: ExtensionRoute, principal: Principal | None, tenant_header: str | None) -> str | None:
    """The tenant the call is for. File routes: `api_key` wants an API key, `public` nothing (the
    tenant then comes from X-Tenant-Id, if any). Registered routes want a key or a user token
    and the route's permission; plugin routes want either, and the plugin installed and enabled."""
    if route.kind == "file" and route.auth == "public":
        return principal.tenant_id if principal is not None else tenant_header
    if principal is None:
        raise Unauthorized("Unauthorized")
    if route.kind == "file" and principal.kind != "api_key":
        raise Unauthorized("This route needs a workspace API key: Authorization: Bearer <api key>")
    if route.permission:
        try:
            await require_permission(principal, route.permission)
        except Forbidden:
            raise Forbidden("Forbidden - insufficient permissions") from None
    return principal.tenant_id


async def plugin_config(route: ExtensionRoute, tenant_id: str) -> dict[str, Any]:
    """The tenant's config of the route's plugin; 404 when it is not installed or disabled, so to
    that tenant the route does not exist."""
    config = await service.enabled_config(tenant_id, route.extension)
    if config is None:
        raise NotFound("Resource not found")
    return config


def validated_input(route: ExtensionRoute, body: Any) -> Any:
    """The body as the route's input model accepts it; 400 with each field's problem."""
    if route.input_model is None:
        return body
    from pydantic import ValidationError as PydanticError

    try:
        return route.input_model.model_validate(body)
    except PydanticError as exc:
        raise InvalidInput(details=[{"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"], "code": e["type"]} for e in exc.errors()]) from None
