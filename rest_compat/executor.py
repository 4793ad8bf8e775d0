"""Run a REST request as its GraphQL operation, in-process, and wrap the answer in the envelope.

Order of checks: credentials (401) before input (400), so an anonymous caller learns nothing
about a route's input; then the GraphQL resolver applies scopes and business rules.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Awaitable, Callable, Iterable

from graphql import (
    ExecutionResult,
    GraphQLArgument,
    GraphQLInputType,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    get_named_type,
    is_input_object_type,
    is_list_type,
)
from graphql.error import GraphQLError
from graphql.utilities import validate_input_value
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry import Schema

from graphql_api.context import build_context
from models import jsoncodec
from resolvers.errors import DomainError, FieldError, InvalidJson, Unauthorized, ValidationError
from rest_compat.envelope import success
from rest_compat.mapping import Body, Header, HeaderOrQuery, PathParam, QueryParam, RawBody, RestRoute, Source
from rest_compat.naming import rest_name, rest_names
from rest_compat.operations import CompiledRoute, compile_route, required as _required
from rest_compat.query_string import QueryValues, last, query_values
from rest_compat.routes import ROUTES
from schema.operations import execute_document

log = logging.getLogger("basalt.rest")
Endpoint = Callable[[Request], Awaitable[Response]]
MISSING_FIELD = re.compile(r"to include required field '(\w+)'")
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")


def rest_routes(schema: Schema, table: Iterable[RestRoute] = ROUTES) -> list[Route]:
    """One Starlette route per path (so 405 lists every allowed method), most specific first."""
    compiled = sorted((compile_route(schema._schema, r) for r in table), key=lambda c: c.route.specificity)
    by_path: dict[str, dict[str, Endpoint]] = {}
    for c in compiled:
        by_path.setdefault(c.route.starlette_path, {})[c.route.method] = _endpoint(schema, c)
    return [Route(path, _ByMethod(handlers), methods=list(handlers), name=path) for path, handlers in by_path.items()]


class _ByMethod:
    """A path's ASGI app: the handler for the request's method (HEAD answers as GET). An ASGI
    class rather than a function endpoint, which Starlette would wrap in `request_response`, whose
    exception handling repeats what ExceptionMiddleware does around every route anyway."""

    def __init__(self, handlers: dict[str, Endpoint]) -> None:
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        method = scope["method"]
        response = await self.handlers["GET" if method == "HEAD" else method](request)
        await response(scope, receive, send)


def _endpoint(schema: Schema, compiled: CompiledRoute) -> Endpoint:
    route = compiled.route

    async def endpoint(request: Request) -> Response:
        context = build_context(request)
        if route.auth == "bearer" and context.principal is None:
            raise Unauthorized("Authentication required: send Authorization: Bearer <api key or token>")
        variables = await collect_variables(compiled, request)
        result = await execute_prepared(schema, compiled, variables, context)
        if result.errors:
            raise domain_error(result.errors[0])
        assert result.data is not None
        if route.respond is not None:
            return await route.respond(result.data[route.field], context)
        return success(result.data[route.field], request_id=context.request_id, status=route.status)

    endpoint.__name__ = f"rest_{route.field}"
    return endpoint


async def execute_prepared(schema: Schema, compiled: CompiledRoute, variables: dict[str, Any], context: Any) -> ExecutionResult:
    """Execute the route's pre-validated document as `POST /graphql` would (`execute_document`):
    REST documents are fixed, so parsing, validation and Strawberry's per-request pipeline are
    skipped; resolvers, variable coercion and the mutation transaction are the same."""
    return await execute_document(schema, compiled.parsed, variables=variables, operation_name=None, context=context)


async def collect_variables(compiled: CompiledRoute, request: Request) -> dict[str, Any]:
    body = None
    if compiled.reads_body:
        is_form = request.headers.get("content-type", "").startswith("multipart/form-data")
        body = await _form_body(request) if compiled.route.form and is_form else await _json_body(request)
    if compiled.reads_raw_body:
        body = {RAW_BODY: await _text_body(request)}
    query = query_values(request.scope["query_string"])
    variables: dict[str, Any] = {}
    errors: list[FieldError] = []
    plain = compiled.plain
    for name, (argument, source) in compiled.arguments.items():
        value = _raw_value(source, argument, request, query, body, errors)
        if value is Undefined:
            if _required(argument):
                errors.append(FieldError(_field_name(source), "is required"))
            continue
        test = plain.get(name)
        variables[name] = value if test is not None and test(value) else _check(argument, source, value, errors)
    if errors:
        raise ValidationError(errors)
    return variables


RAW_BODY = "\0raw"


async def _text_body(request: Request) -> str:
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError.single("body", "must be UTF-8 text") from None


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = jsoncodec.loads_standard(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidJson(f"Request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ValidationError.single("body", "must be a JSON object")
    return body


async def _form_body(request: Request) -> dict[str, Any]:
    """Multipart as a JSON-like body: text fields as they are, the uploaded file as its text."""
    body: dict[str, Any] = {}
    async with request.form(max_files=1, max_fields=20) as form:
        for name, value in form.multi_items():
            if isinstance(value, str):
                body[name] = value
                continue
            raw = await value.read()
            try:
                body["content"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError.single(name, "the file must be UTF-8 text") from None
            body["filename"] = value.filename
    return body


def _raw_value(
    source: Source, argument: GraphQLArgument, request: Request, query: QueryValues, body: dict[str, Any] | None, errors: list[FieldError]
) -> Any:
    if isinstance(source, PathParam):
        return request.path_params[source.name]
    if isinstance(source, QueryParam):
        return _from_query(source.name, argument.type, query, errors)
    if isinstance(source, HeaderOrQuery):
        value = request.headers.get(source.header) or last(query, source.query)
        return value if value is not None else Undefined
    if isinstance(source, Header):
        header = request.headers.get(source.name)
        return header if header is not None else Undefined
    if isinstance(source, RawBody):
        assert body is not None
        return body[RAW_BODY]
    assert isinstance(source, Body) and body is not None
    if source.field is None:
        return body
    return body.get(source.field, Undefined)


def _from_query(name: str, type_: GraphQLInputType, query: QueryValues, errors: list[FieldError]) -> Any:
    """Query strings are text: convert to the argument's scalar type before GraphQL coercion."""
    values = query.get(name)
    if not values:
        return Undefined
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if is_list_type(inner):
        return [_scalar_from_text(name, v, get_named_type(inner), errors) for v in values]
    return _scalar_from_text(name, values[-1], get_named_type(inner), errors)


def _scalar_from_text(name: str, raw: str, scalar: Any, errors: list[FieldError]) -> Any:
    kind = scalar.name if isinstance(scalar, GraphQLScalarType) else ""
    try:
        if kind == "Int":
            return int(raw)
        if kind == "Float":
            return float(raw)
    except ValueError:
        errors.append(FieldError(name, f"must be a {'whole ' if kind == 'Int' else ''}number"))
        return Undefined
    if kind == "JSON":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            errors.append(FieldError(name, "must be valid JSON"))
            return Undefined
    if kind == "Boolean":
        if raw.lower() in TRUE_WORDS:
            return True
        if raw.lower() in FALSE_WORDS:
            return False
        errors.append(FieldError(name, "must be true or false"))
        return Undefined
    return raw


def _check(argument: GraphQLArgument, source: Source, value: Any, errors: list[FieldError]) -> Any:
    """Validate against the GraphQL input type, collecting every problem with its REST field path.

    Returns the value with input-object keys renamed from snake_case to the schema's camelCase.
    Values GraphQL takes as they are never get here (`CompiledRoute.plain`).
    """
    root = _field_name(source)

    def on_error(error: GraphQLError, path: list[str | int]) -> None:
        errors.append(_field_error(root, _rest_path(path, argument.type), error.message))

    if isinstance(source, Body) and source.field is None and is_input_object_type(get_named_type(argument.type)):
        _reject_unknown_fields(value, get_named_type(argument.type), errors)
    value = to_graphql_input(value, argument.type)
    before = len(errors)
    if isinstance(source, Body):
        _require_lists(value, argument.type, [], on_error)
    if len(errors) == before:  # one complaint per field
        validate_input_value(value, argument.type, on_error, hide_suggestions=True)
    return value


def _require_lists(value: Any, type_: Any, path: list[str | int], on_error: Callable[[GraphQLError, list[str | int]], None]) -> None:
    """A JSON body says what it means: where a list is expected, a lone value is an error (GraphQL
    input coercion would quietly wrap it into a one-item list)."""
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if value is None or value is Undefined:
        return
    if is_list_type(inner):
        if not isinstance(value, list):
            on_error(GraphQLError("must be a list"), path)
            return
        for index, item in enumerate(value):
            _require_lists(item, inner.of_type, [*path, index], on_error)
    elif is_input_object_type(inner) and isinstance(value, dict):
        for key, item in value.items():
            if key in inner.fields:
                _require_lists(item, inner.fields[key].type, [*path, key], on_error)


def to_graphql_input(value: Any, type_: Any) -> Any:
    """Rename input-object keys to their GraphQL names, following the type (JSON scalars untouched)."""
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if is_list_type(inner) and isinstance(value, list):
        return [to_graphql_input(v, inner.of_type) for v in value]
    if is_input_object_type(inner) and isinstance(value, dict):
        names = rest_names(inner.fields)
        renamed = {}
        for key, item in value.items():
            name = names.get(key, key)
            renamed[name] = to_graphql_input(item, inner.fields[name].type) if name in inner.fields else item
        return renamed
    return value


def _rest_path(path: list[str | int], type_: Any) -> list[str | int]:
    """Translate a GraphQL input path (camelCase) back to the REST body's snake_case keys."""
    translated: list[str | int] = []
    current = type_
    for part in path:
        inner = current.of_type if isinstance(current, GraphQLNonNull) else current
        if isinstance(part, int) and is_list_type(inner):
            current = inner.of_type
            translated.append(part)
        elif isinstance(part, str) and is_input_object_type(inner) and part in inner.fields:
            field = inner.fields[part]
            translated.append(rest_name(part, field))
            current = field.type
        else:
            translated.append(part)
            current = None
    return translated


def _field_error(root: str, path: list[str | int], message: str) -> FieldError:
    """Rephrase graphql-core's messages in terms of the REST body's fields."""
    missing = MISSING_FIELD.search(message)
    if missing:
        return FieldError(_join(root, [*path, _snake(missing.group(1))]), "is required")
    if message.startswith("Expected a value of non-null type"):
        return FieldError(_join(root, path), "is required")
    if "not to be None" in message:
        return FieldError(_join(root, path), "must not be null")
    if message.startswith("Expected value of type") and "to be an object" in message:
        return FieldError(_join(root, path), "must be an object")
    return FieldError(_join(root, path), message)


def _snake(graphql_name: str) -> str:
    """The REST (Python) spelling of a GraphQL input field named in graphql-core's message."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", graphql_name).lower()


def _reject_unknown_fields(value: dict[str, Any], input_type: Any, errors: list[FieldError]) -> None:
    known = rest_names(input_type.fields)
    unknown = [k for k in value if k not in known]
    for key in unknown:
        errors.append(FieldError(key, f"unknown field; expected one of {', '.join(known)}"))
        value.pop(key)


def _field_name(source: Source) -> str:
    if isinstance(source, (PathParam, QueryParam)):
        return source.name
    if isinstance(source, HeaderOrQuery):
        return source.query
    if isinstance(source, Header):
        return source.name
    if isinstance(source, RawBody):
        return "body"
    return source.field or ""


def _join(root: str, path: list[str | int]) -> str:
    text = root
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def domain_error(error: GraphQLError) -> DomainError:
    original = error.original_error
    if isinstance(original, DomainError):
        return original
    if original is not None:
        log.error("unexpected error in %s", error.path, exc_info=original)
        return DomainError()
    return ValidationError([FieldError("request", error.message)])
