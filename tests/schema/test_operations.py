"""How `execute_document` wraps an operation in the request's transaction, worked out once per document."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, parse

from graphql_api.app import _schema
from graphql_api.settings import load_settings
from schema import extensions, prepared


@pytest.fixture(scope="module")
def graphql_schema() -> GraphQLSchema:
    return _schema(load_settings({"BASALT_ENV": "development"}))._schema


@pytest.mark.parametrize(
    ("document", "plan"),
    [
        ('query { objects(objectTypeId: "t") { totalCount } }', (False, False)),
        ('mutation { createObject(objectTypeId: "t", properties: {}) { id version } }', (True, True)),
        ('mutation { createObject(objectTypeId: "t", properties: {}) { id associations { id } } }', (True, False)),
        ('mutation { a: deleteObject(objectTypeId: "t", id: "o") b: deleteObject(objectTypeId: "t", id: "p") }', (True, False)),
        ('mutation { executeScheduledJob(id: "job_1") { id } }', (False, False)),  # the field opens its own transactions
    ],
)
def test_the_plan_says_whether_and_how_the_request_transaction_wraps_it(graphql_schema: GraphQLSchema, document: str, plan: tuple[bool, bool]) -> None:
    parsed = parse(document)
    assert extensions.transaction_plan(graphql_schema, parsed, None) == plan
    found = prepared.prepare(graphql_schema, parsed, None)
    assert found is not None and found.transaction == plan  # kept with the prepared document


def test_a_document_is_planned_once(graphql_schema: GraphQLSchema, monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[str] = []
    original = prepared.transaction_plan
    monkeypatch.setattr(prepared, "transaction_plan", lambda *a: looked.append("x") or original(*a))
    document = parse('mutation { createObject(objectTypeId: "t", properties: {}) { id } }')
    first = prepared.prepare(graphql_schema, document, None)
    assert prepared.prepare(graphql_schema, document, None) is first
    assert first is not None and first.transaction == (True, True) and len(looked) == 1
