"""OpenAPI 3.1 generated from the route table and the GraphQL types it points at.

Schemas follow the same traversal as the REST selection (`operations.selection_set`), so the
document describes exactly what the routes return.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)

from rest_compat.mapping import Body, Header, HeaderOrQuery, PathParam, QueryParam, RawBody
from rest_compat.naming import graphql_name, graphql_only, rest_name
from rest_compat.operations import CompiledRoute, compile_route
from rest_compat.routes import ROUTES

SCALARS: dict[str, dict[str, Any]] = {
    "String": {"type": "string"},
    "ID": {"type": "string"},
    "Int": {"type": "integer"},
    "BigInt": {"type": "integer", "format": "int64"},
    "Float": {"type": "number"},
    "Boolean": {"type": "boolean"},
    "DateTime": {"type": "string", "format": "date-time"},
    "Date": {"type": "string", "format": "date"},
    "JSON": {},
}
ERROR_STATUSES = {
    "400": "Validation failed or malformed JSON",
    "401": "Missing or invalid credentials",
    "403": "Missing scope, suspended tenant or IP not allowed",
    "404": "Not found (also for another tenant's ids)",
    "409": "Conflict, or DEPENDENCY_EXISTS with a confirm_token",
    "413": "Request body too large",
    "429": "Rate limited; see Retry-After",
    "500": "Unexpected error",
}


def build_openapi(schema: GraphQLSchema, *, version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        compiled = compile_route(schema, route)
        paths.setdefault(_openapi_path(route.path), {})[route.method.lower()] = _operation(compiled)
    for path, operations in STREAMING_ROUTES.items():
        paths.setdefault(path, {}).update(operations)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Basalt API",
            "version": version,
            "description": "REST-compat routes. Each runs one GraphQL operation of /graphql in-process; "
            "every answer is the envelope {success, data, request_id}.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "API key (bsk_…) or user token"}},
            "schemas": {"Error": _error_schema()},
        },
        "tags": [{"name": g} for g in dict.fromkeys(r.group for r in ROUTES)],
    }


_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
# The two streaming routes are not GraphQL request/response operations; they run the `events`,
# `objectEvents` and `fileEvents` subscriptions (rest_compat/streams.py, realtime_socket.py).
STREAMING_ROUTES: dict[str, dict[str, Any]] = {
    "/events/stream": {
        "get": {
            "operationId": "get_event_stream",
            "summary": "Server-sent events stream",
            "description": "Server-Sent Events of the tenant's object.* and file.* events, each with `id:` and "
            "`event: <type>`. Resume with the Last-Event-ID header; a comment line every 15 s keeps the stream open."
            "\n\nGraphQL: `subscription { events(types: [\"object.*\", \"file.*\"]) }`.",
            "tags": ["Events"],
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "Last-Event-ID", "in": "header", "required": False, "schema": {"type": "string"}},
                {"name": "last_event_id", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {"description": "The event stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                "400": {"description": "Bad Last-Event-ID", **_ERROR},
                "401": {"description": "Missing or invalid credentials", **_ERROR},
                "403": {"description": "The credentials lack the read scope", **_ERROR},
            },
        }
    },
    "/v1/realtime": {
        "get": {
            "operationId": "get_realtime_socket",
            "summary": "WebSocket upgrade",
            "description": "A WebSocket with channels objects:<type_id>, files and files:<folder> (JSON messages "
            "subscribe, unsubscribe, ping). Authenticated by the query parameters.",
            "tags": ["Realtime"],
            "security": [],
            "parameters": [
                {"name": "token", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "tenant_id", "in": "query", "required": True, "schema": {"type": "string"}},
            ],
            "responses": {
                "101": {"description": "WebSocket upgrade"},
                "426": {"description": "Not a WebSocket upgrade request", **_ERROR},
            },
        }
    },
}


def _openapi_path(path: str) -> str:
    return "/".join("{" + s[1:] + "}" if s.startswith(":") else s for s in path.split("/"))


def _operation(compiled: CompiledRoute) -> dict[str, Any]:
    route = compiled.route
    operation: dict[str, Any] = {
        "operationId": f"{route.method.lower()}_{route.field}",
        "summary": route.summary,
        "description": (compiled.output.description or route.summary)
        + f"\n\nGraphQL: `{compiled.operation} {{ {graphql_name(route.field)} }}`.",
        "tags": [route.group],
        "security": [{"bearer": []}] if route.auth == "bearer" else [],
        "parameters": _parameters(compiled),
        "responses": {
            str(route.status): {
                "description": "Success",
                "content": {"application/json": {"schema": _envelope(_selected(output_schema(compiled.output.type), route.select))}},
            },
            **{
                status: {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                for status, text in ERROR_STATUSES.items()
                if status != "401" or route.auth == "bearer"
            },
        },
    }
    body = _request_body(compiled)
    if body:
        operation["requestBody"] = body
    return operation


def _parameters(compiled: CompiledRoute) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for argument, source in compiled.arguments.values():
        schema = input_schema(argument.type)
        if isinstance(source, PathParam):
            params.append({"name": source.name, "in": "path", "required": True, "schema": schema})
        elif isinstance(source, QueryParam):
            params.append({"name": source.name, "in": "query", "required": False, "schema": schema})
        elif isinstance(source, HeaderOrQuery):
            params.append({"name": source.header, "in": "header", "required": False, "schema": schema})
            params.append({"name": source.query, "in": "query", "required": False, "schema": schema})
        elif isinstance(source, Header):
            params.append({"name": source.name, "in": "header", "required": isinstance(argument.type, GraphQLNonNull), "schema": schema})
    return params


def _request_body(compiled: CompiledRoute) -> dict[str, Any] | None:
    if any(isinstance(s, RawBody) for _, s in compiled.arguments.values()):
        return {"required": True, "content": {"application/json": {"schema": {"type": "object", "description": "signed: sent as is"}}}}
    whole = [(a, s) for a, s in compiled.arguments.values() if isinstance(s, Body) and s.field is None]
    fields = {s.field: a for a, s in compiled.arguments.values() if isinstance(s, Body) and s.field}
    if whole:
        argument = whole[0][0]
        schema = input_schema(argument.type)
        required = isinstance(argument.type, GraphQLNonNull)
    elif fields:
        schema = {
            "type": "object",
            "properties": {name: input_schema(a.type) for name, a in fields.items()},
            "required": [n for n, a in fields.items() if isinstance(a.type, GraphQLNonNull)],
        }
        required = True
    else:
        return None
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _selected(schema: dict[str, Any], select: tuple[str, ...]) -> dict[str, Any]:
    """A route's `select` narrows the documented result exactly as it narrows the query."""
    if not select:
        return schema
    inner = schema.get("anyOf", [schema])[0] if "anyOf" in schema else schema
    properties = {k: v for k, v in inner["properties"].items() if k in select}
    return {**inner, "properties": properties, "required": list(properties)}


def output_schema(type_: Any, seen: frozenset[str] = frozenset()) -> dict[str, Any]:
    if isinstance(type_, GraphQLNonNull):
        return _output_non_null(type_.of_type, seen)
    return _nullable(_output_non_null(type_, seen))


def _output_non_null(type_: Any, seen: frozenset[str]) -> dict[str, Any]:
    if isinstance(type_, GraphQLList):
        return {"type": "array", "items": output_schema(type_.of_type, seen)}
    if is_leaf_type(type_):
        return _leaf(type_)
    assert isinstance(type_, GraphQLObjectType)
    seen = seen | {type_.name}
    properties: dict[str, Any] = {}
    for name, field in type_.fields.items():
        if graphql_only(field):  # see operations.selection_set
            continue
        named = _named(field.type)
        if is_leaf_type(named) or (isinstance(named, GraphQLObjectType) and named.name not in seen):
            key = rest_name(name, field)
            properties[key] = output_schema(field.type, seen)
            if field.description:
                properties[key] = {**properties[key], "description": field.description}
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": list(properties)}
    if type_.description:
        schema["description"] = type_.description
    return schema


def input_schema(type_: Any) -> dict[str, Any]:
    if isinstance(type_, GraphQLNonNull):
        return _input_non_null(type_.of_type)
    return _nullable(_input_non_null(type_))


def _input_non_null(type_: Any) -> dict[str, Any]:
    if isinstance(type_, GraphQLList):
        return {"type": "array", "items": input_schema(type_.of_type)}
    if isinstance(type_, GraphQLInputObjectType):
        return {
            "type": "object",
            "properties": {rest_name(n, f): input_schema(f.type) for n, f in type_.fields.items()},
            "required": [
                rest_name(n, f) for n, f in type_.fields.items() if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
            ],
            "additionalProperties": False,
        }
    return _leaf(type_)


def _leaf(type_: Any) -> dict[str, Any]:
    if isinstance(type_, GraphQLEnumType):
        return {"type": "string", "enum": list(type_.values)}
    assert isinstance(type_, GraphQLScalarType)
    return dict(SCALARS.get(type_.name, {"type": "string"}))


def _named(type_: Any) -> Any:
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    return type_


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if not schema:
        return schema
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def _envelope(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"success": {"const": True}, "data": data, "request_id": {"type": "string"}},
        "required": ["success", "data", "request_id"],
    }


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "success": {"const": False},
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {},
                    "dependencies": {"type": "array", "items": {"type": "object"}},
                    "confirm_token": {"type": "string"},
                },
                "required": ["code", "message"],
            },
            "request_id": {"type": "string"},
        },
        "required": ["success", "error", "request_id"],
    }
