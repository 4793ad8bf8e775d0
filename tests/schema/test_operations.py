"""How `execute_document` wraps an operation in the request's transaction, worked out once per document."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, parse

from graphql_api.app import _schema
from graphql_api.settings import load_settings
from schema import operations


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
    assert operations.transaction_plan(graphql_schema, parse(document), None) == plan


def test_a_document_is_planned_once(graphql_schema: GraphQLSchema, monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[str] = []
    original = operations.needs_request_transaction
    monkeypatch.setattr(operations, "needs_request_transaction", lambda *a: looked.append("x") or original(*a))
    document = parse('mutation { createObject(objectTypeId: "t", properties: {}) { id } }')
    first = operations.transaction_plan(graphql_schema, document, None)
    assert operations.transaction_plan(graphql_schema, document, None) == first == (True, True)
    assert len(looked) == 1
    operations.transaction_plan(graphql_schema, parse('mutation { createObject(objectTypeId: "t", properties: {}) { id } }'), None)
    assert len(looked) == 2  # another document (same text, not from the parse cache) is planned anew


def test_the_plans_are_bounded(graphql_schema: GraphQLSchema, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operations, "PLANS", 3)
    for _ in range(5):
        operations.transaction_plan(graphql_schema, parse("query { health { status } }"), None)
    assert len(operations._plans) <= 3
