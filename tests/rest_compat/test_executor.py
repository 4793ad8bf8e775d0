"""REST input is checked once: each value comes out as sent and as GraphQL coerces it, so the
executor takes it as it is; a value that does not coerce is reported in REST terms."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from graphql.utilities import coerce_input_value
from starlette.requests import Request

from resolvers.errors import ValidationError
from rest_compat.executor import collect_variables
from rest_compat.operations import CompiledRoute, compile_route
from rest_compat.routes import ROUTES
from schema.build import build_schema
from schema.prepared import CoercedVariables

SCHEMA = build_schema()


def compiled(field: str) -> CompiledRoute:
    return compile_route(SCHEMA._schema, next(route for route in ROUTES if route.field == field))


def request(path_params: dict[str, str], query: dict[str, str] | None = None, body: Any = None) -> Request:
    raw = json.dumps(body).encode() if body is not None else b""
    scope = {
        "type": "http", "method": "POST", "path": "/", "headers": [(b"content-type", b"application/json")],
        "query_string": urlencode(query or {}).encode(), "path_params": path_params,
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    return Request(scope, receive)


async def test_values_come_with_their_coercion_for_the_executor() -> None:
    route = compiled("objects")
    variables = await collect_variables(route, request(
        {"object_type_id": "ot_1"}, {"limit": "5", "filter": '{"score": {"gte": 3}}', "sort": "score"}
    ))
    assert isinstance(variables, CoercedVariables)
    assert dict(variables) == {"object_type_id": "ot_1", "first": 5, "where": {"score": {"gte": 3}}, "order_by": "score"}
    for name, value in variables.items():
        argument, _ = route.arguments[name]
        assert variables.coerced[name] == coerce_input_value(value, argument.type)


async def test_a_body_with_a_json_scalar_is_coerced_once_and_kept_as_sent() -> None:
    variables = await collect_variables(compiled("create_object"), request({"object_type_id": "ot_1"}, body={"properties": {"a": [1, "x"]}}))
    assert isinstance(variables, CoercedVariables)
    assert variables["properties"] == variables.coerced["properties"] == {"a": [1, "x"]}


@pytest.mark.parametrize("query, field, message", [
    ({"limit": "many"}, "limit", "must be a whole number"),
    ({"filter": "{nope"}, "filter", "must be valid JSON"),
])
async def test_a_value_that_does_not_coerce_is_reported_by_its_rest_name(query: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        await collect_variables(compiled("objects"), request({"object_type_id": "ot_1"}, query))
    assert [(e.field, e.message) for e in raised.value.errors] == [(field, message)]


async def test_a_value_of_the_wrong_type_in_a_body_is_reported_with_graphqls_reason() -> None:
    with pytest.raises(ValidationError) as raised:
        await collect_variables(compiled("update_object"), request(
            {"object_type_id": "ot_1", "object_id": "obj_1"}, body={"properties": {}, "expected_version": "two"}
        ))
    [error] = raised.value.errors
    assert error.field == "expected_version" and "Int cannot represent" in error.message
