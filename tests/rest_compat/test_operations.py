"""`plain_test`: the argument values the REST layer may pass without graphql-core's validation
are exactly values GraphQL would accept and leave unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLBoolean, GraphQLEnumType, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLString
from graphql.utilities import coerce_input_value, validate_input_value

from graphql_api.app import _schema
from graphql_api.settings import load_settings
from rest_compat.operations import compile_route, plain_test
from rest_compat.routes import ROUTES

SAMPLES: list[Any] = [
    "", "text", "20", 0, 7, -1, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1, 10**30, True, False, 1.5, float("nan"),
    None, {"score": {"gte": 10}}, [1, 2], [], {}, b"bytes",
]


def _json_type() -> Any:
    schema = _schema(load_settings({"BASALT_ENV": "development"}))
    return schema._schema.type_map["JSON"]


def _taken_as_is(value: Any, type_: Any) -> bool:
    problems: list[str] = []
    validate_input_value(value, type_, lambda error, _path: problems.append(error.message))
    coerced = coerce_input_value(value, type_)
    return not problems and (coerced is value or (coerced == value and type(coerced) is type(value)))


@pytest.mark.parametrize("type_", [GraphQLString, GraphQLID, GraphQLInt, GraphQLBoolean, "JSON"])
@pytest.mark.parametrize("non_null", [False, True])
def test_every_plain_value_is_accepted_and_left_as_it_is(type_: Any, non_null: bool) -> None:
    named = _json_type() if type_ == "JSON" else type_
    wrapped = GraphQLNonNull(named) if non_null else named
    test = plain_test(wrapped)
    assert test is not None
    plain = [value for value in SAMPLES if test(value)]
    assert plain, "each of these types takes some values as they are"
    for value in plain:
        assert _taken_as_is(value, wrapped), value


def test_what_needs_graphql_is_not_plain() -> None:
    int_test, text_test, id_test = plain_test(GraphQLInt), plain_test(GraphQLString), plain_test(GraphQLID)
    assert int_test is not None and text_test is not None and id_test is not None
    assert not int_test(2**31) and not int_test(True) and not int_test("7")  # out of range, a boolean, text
    assert not id_test(7)  # GraphQL turns a number into an ID's text
    assert not text_test(None)


@pytest.mark.parametrize("type_", [GraphQLFloat, GraphQLList(GraphQLString), GraphQLEnumType("Order", ["asc", "desc"])])
def test_other_types_are_always_validated(type_: Any) -> None:
    assert plain_test(type_) is None


def test_the_object_list_takes_its_query_arguments_plainly() -> None:
    schema = _schema(load_settings({"BASALT_ENV": "development"}))
    route = next(r for r in ROUTES if r.method == "GET" and r.path == "/v1/objects/:object_type_id/list")
    compiled = compile_route(schema._schema, route)
    assert set(compiled.plain) == {"object_type_id", "first", "after", "order_by", "order", "where", "view_id"}
    assert not compiled.reads_body and not compiled.reads_raw_body
