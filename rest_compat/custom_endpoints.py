"""`/v1/x/<path>` (and `/api/v1/x/<path>`, as the contract writes it): tenants' custom endpoints,
answered by the `invokeCustomEndpoint` mutation, so HTTP and GraphQL run the same dispatch.

With a response template the answer is the template's status, headers and body as they are;
without one, the last action's result in the success envelope. Refusals and failures use the
error envelope (401, 403 CONDITION_FAILED, 404 ROUTE_NOT_FOUND, 405 with Allow, the failed
action's status, 504 ACTION_TIMEOUT).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from strawberry import Schema

from graphql_api.context import build_context
from resolvers.custom_endpoints.schemas import METHODS
from resolvers.errors import InvalidJson
from rest_compat.envelope import success
from rest_compat.executor import domain_error, execute_prepared
from rest_compat.mapping import Body, PathParam, RestRoute
from rest_compat.operations import compile_route

PREFIXES = ("/v1/x", "/api/v1/x")
NO_BODY = (204, 304)  # answers that carry no body, whatever the template says
INVOKE = RestRoute(
    "POST", "/v1/x/:path", "invoke_custom_endpoint", "Custom Endpoints", "Invoke a custom endpoint",
    args={"method": Body("method"), "path": PathParam("path"), "query": Body("query"), "body": Body("body"), "tenant_id": Body("tenant_id")},
)


def custom_endpoint_routes(schema: Schema) -> list[BaseRoute]:
    compiled = compile_route(schema._schema, INVOKE)

    async def dispatch(request: Request) -> Response:
        context = build_context(request)
        variables = {
            "method": request.method,
            "path": _raw_path(request),
            "query": query_of(request),
            "body": await _body(request),
            "tenant_id": request.headers.get("x-tenant-id") or request.query_params.get("tenant_id"),
        }
        result = await execute_prepared(schema, compiled, variables, context)
        if result.errors:
            raise domain_error(result.errors[0])
        assert result.data is not None
        reply = result.data[INVOKE.field]
        if not reply["templated"]:
            return success(reply["body"], request_id=context.request_id, status=reply["status"])
        headers = {**reply["headers"], "X-Request-Id": context.request_id}
        if reply["status"] in NO_BODY:
            return Response(status_code=reply["status"], headers=headers)
        return JSONResponse(reply["body"], status_code=reply["status"], headers=headers)

    return [Route(prefix + "/{path:path}", dispatch, methods=list(METHODS)) for prefix in PREFIXES]


def _raw_path(request: Request) -> str:
    """The path below the prefix as sent, still percent-encoded, so `a%2Fb` stays one segment."""
    raw = request.scope.get("raw_path")
    text = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if text.startswith(prefix + "/"):
            return text[len(prefix) + 1 :]
    return quote(request.path_params.get("path", ""))


def query_of(request: Request) -> dict[str, Any]:
    """Query parameters; one given several times becomes a list."""
    query: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in query:
            query[key] = [*query[key], value] if isinstance(query[key], list) else [query[key], value]
        else:
            query[key] = value
    return query


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidJson(f"Request body is not valid JSON: {exc}") from None
