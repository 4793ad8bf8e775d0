"""HTTP for file-based extensions' routes (operator code, not GraphQL operations):

    /api/ext/<name>/<path>          file routes (extensions/<name>/api/...) and sdk.register_routes
    /api/v1/plugin/<name>/<path>    plugin routes (extensions/<name>/plugin/...)

Handlers answer with plain JSON as the extension contracts show it; the platform's own refusals
use the contracts' shape too: `{"error": message}` (plus `details` for invalid input).
"""

from __future__ import annotations

import inspect
import json
import logging
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from graphql_api.context import principal_of, request_id_of
from resolvers.custom_endpoints.schemas import split_request_path
from resolvers.errors import DomainError, InvalidJson
from resolvers.plugins import dispatch
from resolvers.plugins.api import as_response
from resolvers.plugins.schemas import METHODS, Catalog, ExtensionRoute, RouteContext
from resolvers.plugins.sdk import CALLER
from rest_compat.custom_endpoints import query_of

log = logging.getLogger("basalt.extensions")
FILE_PREFIX = "/api/ext"
PLUGIN_PREFIX = "/api/v1/plugin"
PREFIXES = (FILE_PREFIX, PLUGIN_PREFIX)


def extension_routes(catalog: Catalog) -> list[BaseRoute]:
    async def file_route(request: Request) -> Response:
        return await _answer(request, catalog, ("file", "sdk"), FILE_PREFIX)

    async def plugin_route(request: Request) -> Response:
        return await _answer(request, catalog, ("plugin",), PLUGIN_PREFIX)

    methods = [*METHODS, "HEAD"]
    return [Route(FILE_PREFIX + "/{path:path}", file_route, methods=methods), Route(PLUGIN_PREFIX + "/{path:path}", plugin_route, methods=methods)]


def plain_error(connection: HTTPConnection, error: DomainError) -> Response:
    """A refusal in the extension contracts' shape."""
    body: dict[str, Any] = {"error": error.message}
    if error.details is not None:
        body["details"] = error.details
    return JSONResponse(body, status_code=error.status, headers={**error.headers(), "X-Request-Id": request_id_of(connection)})


def is_extension_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PREFIXES)


async def _answer(request: Request, catalog: Catalog, kinds: tuple[str, ...], prefix: str) -> Response:
    try:
        raw = request.scope.get("raw_path")
        path = (raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path)[len(prefix):]
        route, params = dispatch.resolve(catalog, kinds, request.method, split_request_path(path))
        principal = principal_of(request)
        tenant_id = await dispatch.authorize(route, principal, request.headers.get("x-tenant-id"))
        raw_body = await request.body()
        context = RouteContext(
            search_params=query_of(request), params=params, body=_json(raw_body, request.headers.get("content-type", "")), raw_body=raw_body.decode("utf-8", "replace"),
            headers={k.lower(): v for k, v in request.headers.items()}, tenant={"id": tenant_id} if tenant_id else None,
            extension={"key": route.extension}, principal=principal,
        )
        if route.kind == "plugin":
            assert tenant_id is not None
            context.config = await dispatch.plugin_config(route, tenant_id)
            context.input = dispatch.validated_input(route, context.body)
        result = await _call(route, request, context)
    except DomainError as error:
        return plain_error(request, error)
    if isinstance(result, Response):
        return result
    reply = as_response(result)
    headers = {**reply.headers, "X-Request-Id": request_id_of(request)}
    if request.method == "HEAD" or reply.status in (204, 304):
        return Response(status_code=reply.status, headers=headers)
    return JSONResponse(reply.body, status_code=reply.status, headers=headers)


async def _call(route: ExtensionRoute, request: Request, context: RouteContext) -> Any:
    """Run the handler as the caller (its items services act for them); its own bugs are a 500
    that names nothing of the server's internals."""
    token = CALLER.set(context.principal)
    try:
        result = route.handler(request, context) if route.kind == "sdk" else route.handler(context)
        if inspect.isawaitable(result):
            result = await result
        return result
    except DomainError:
        raise
    except Exception:
        log.exception("extension route %s %s (%s) failed", route.method, route.pattern.shape, route.source)
        return {"__api_response": True, "status": 500, "body": {"error": "Internal server error"}}
    finally:
        CALLER.reset(token)


def _json(raw: bytes, content_type: str) -> Any:
    """The parsed JSON body; a body of another type is left to the handler (`raw_body`)."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if "json" in content_type.lower():
            raise InvalidJson(f"Request body is not valid JSON: {exc}") from None
        return None
