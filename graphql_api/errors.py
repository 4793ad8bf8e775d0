"""Error rendering per transport: the envelope for REST, `{errors: [...]}` for GraphQL.

Errors raised outside a resolver (authentication, body size, routing, crashes) come through
here; errors inside GraphQL execution are shaped by `schema.extensions.BasaltOperation`.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response

from graphql_api.context import request_id_of
from resolvers.errors import DomainError, InvalidJson, MethodNotAllowed, RouteNotFound, ValidationError
from rest_compat.envelope import error_response
from schema.extensions import error_extensions

log = logging.getLogger("basalt")
GRAPHQL_PATH = "/graphql"


def is_graphql(connection: HTTPConnection) -> bool:
    return connection.url.path.rstrip("/") == GRAPHQL_PATH


def render_error(connection: HTTPConnection, error: DomainError) -> Response:
    request_id = request_id_of(connection)
    if is_graphql(connection):
        extensions = error_extensions(error)
        body = {"data": None, "errors": [{"message": error.message, "extensions": extensions}], "extensions": {"request_id": request_id}}
        return JSONResponse(body, status_code=error.status, headers=error.headers())
    return error_response(error, request_id=request_id)


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return render_error(request, exc)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 and Strawberry's 400s, in our shapes."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error: DomainError = RouteNotFound(f"No route for {request.method} {request.url.path}")
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        error = MethodNotAllowed([m.strip() for m in allowed.split(",") if m.strip()])
    elif exc.status_code == 400 and "JSON" in str(exc.detail):
        error = InvalidJson()
    elif exc.status_code == 400:
        error = ValidationError.single("request", str(exc.detail))
    else:
        error = DomainError(str(exc.detail))
    return render_error(request, error)


async def client_disconnected_handler(request: Request, exc: Exception) -> Response:
    """The client went away mid-body: nobody reads this answer, and it is not a server fault."""
    return Response(status_code=400)


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s [%s]", request.method, request.url.path, request_id_of(request), exc_info=exc)
    response = render_error(request, DomainError())
    response.headers["X-Request-Id"] = request_id_of(request)
    return response
