"""Each route's compiled form knows which of its arguments GraphQL takes as they are."""

from __future__ import annotations

from graphql_api.app import _schema
from graphql_api.settings import load_settings
from rest_compat.operations import compile_route
from rest_compat.routes import ROUTES
from schema.prepared import prepare


def test_the_object_list_takes_its_query_arguments_plainly() -> None:
    schema = _schema(load_settings({"BASALT_ENV": "development"}))
    route = next(r for r in ROUTES if r.method == "GET" and r.path == "/v1/objects/:object_type_id/list")
    compiled = compile_route(schema._schema, route)
    assert set(compiled.plain) == {"object_type_id", "first", "after", "order_by", "order", "where", "view_id"}
    assert not compiled.reads_body and not compiled.reads_raw_body
    prepared = prepare(schema._schema, compiled.parsed, None)
    assert prepared is not None
    assert all(plain is not None for _, _, plain in prepared.variables)  # and so do its variables


def test_a_create_reads_its_body() -> None:
    schema = _schema(load_settings({"BASALT_ENV": "development"}))
    route = next(r for r in ROUTES if r.method == "POST" and r.path == "/v1/objects/:object_type_id")
    compiled = compile_route(schema._schema, route)
    assert compiled.reads_body and not compiled.reads_raw_body
