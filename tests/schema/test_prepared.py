"""A document's operation, fragments and variable types are worked out once; the coerced
variables and every error are graphql-core's own."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import GraphQLBoolean, GraphQLEnumType, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLString, parse
from graphql.execution.values import get_variable_values
from graphql.utilities import coerce_input_value, validate_input_value
from strawberry.scalars import JSON

from schema import prepared as prepared_module
from schema.execution import BasaltExecutor
from schema.prepared import coerce_variables, plain_test, prepare


@strawberry.input
class Window:
    first: int
    after: str | None = None


@strawberry.type
class Query:
    @strawberry.field
    def look(self, id: strawberry.ID, window: Window | None = None, tags: list[str] | None = None, score: float | None = None) -> str:
        parts = [str(id), "-" if window is None else f"{window.first}/{window.after}", ",".join(tags or []), str(score)]
        return " ".join(parts)


LOOK = """query Look($id: ID!, $window: Window, $tags: [String!], $score: Float) {
  look(id: $id, window: $window, tags: $tags, score: $score) ...Extra
}
fragment Extra on Query { again: look(id: $id) }"""


@strawberry.type
class WithJson:
    data: JSON


@pytest.fixture
def schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, execution_context_class=BasaltExecutor)


def test_a_document_is_prepared_once_per_schema_and_operation_name(schema: strawberry.Schema) -> None:
    document = parse(LOOK)
    first = prepare(schema._schema, document, None)
    assert first is not None and first.operation.name.value == "Look"
    assert prepare(schema._schema, document, None) is first
    assert prepare(schema._schema, document, "Look") is not first
    assert list(first.fragments) == ["Extra"]
    assert [signature.name for _, signature, _ in first.variables] == ["id", "window", "tags", "score"]
    assert [plain is not None for _, _, plain in first.variables] == [True, False, False, False]  # ID only: the rest need coercion
    other = strawberry.Schema(query=Query)
    assert prepare(other._schema, document, None) is not first


@pytest.mark.parametrize("inputs", [
    {"id": "x1"},
    {"id": 7, "window": {"first": 3}, "tags": "solo", "score": 2},
    {"id": "x2", "window": {"first": 1, "after": None}, "tags": ["a", "b"], "score": None},
])
def test_coerced_values_and_sources_are_graphql_cores(schema: strawberry.Schema, inputs: dict[str, Any]) -> None:
    document = parse(LOOK)
    prepared = prepare(schema._schema, document, None)
    assert prepared is not None
    ours = coerce_variables(prepared, inputs)
    theirs = get_variable_values(schema._schema, prepared.operation.variable_definitions, inputs)
    assert ours is not None and not isinstance(theirs, list)
    assert ours.coerced == theirs.coerced
    assert described(ours.sources) == described(theirs.sources)


def described(sources: dict[str, Any]) -> dict[str, Any]:
    """A source as comparable data (graphql-core wraps the variable's type anew on every call)."""
    return {name: (s.signature.name, str(s.signature.type), s.signature.default, s.value) for name, s in sources.items()}


@pytest.mark.parametrize("inputs", [{}, {"id": None}, {"id": "x", "window": {"first": "many"}}, {"id": "x", "score": "high"}])
def test_a_value_that_does_not_coerce_is_left_to_graphql_core(schema: strawberry.Schema, inputs: dict[str, Any]) -> None:
    prepared = prepare(schema._schema, parse(LOOK), None)
    assert prepared is not None
    assert coerce_variables(prepared, inputs) is None


@pytest.mark.parametrize("text, name", [
    ("query A { look(id: 1) } query B { look(id: 2) }", None),  # which one? graphql-core answers
    ("query A { look(id: 1) }", "Missing"),
    ("query ($id: ID = 1) { look(id: $id) }", None),  # a default value
    ("query ($id: Nope) { look(id: $id) }", None),  # an unknown type
])
def test_unusual_documents_are_left_to_graphql_core(schema: strawberry.Schema, text: str, name: str | None) -> None:
    assert prepare(schema._schema, parse(text), name) is None
    assert prepare(schema._schema, parse(text), name) is None  # remembered as such


async def test_answers_and_errors_match_the_stock_executor() -> None:
    basalt = strawberry.Schema(query=Query, execution_context_class=BasaltExecutor)
    stock = strawberry.Schema(query=Query)
    cases: list[tuple[str, str | None, dict[str, Any]]] = [
        (LOOK, None, {"id": "a", "window": {"first": 2, "after": "c"}, "tags": ["t"], "score": 1.5}),
        (LOOK, None, {"window": {"first": 2}}),  # missing $id
        (LOOK, None, {"id": "a", "window": {"first": "two"}}),
        ("query A { look(id: 1) } query B { look(id: 2) }", "B", {}),
        ("query A { look(id: 1) } query B { look(id: 2) }", None, {}),
        ("query ($id: ID = 9) { look(id: $id) }", None, {}),
    ]
    for text, name, variables in cases:
        ours = await basalt.execute(text, variable_values=variables, operation_name=name)
        theirs = await stock.execute(text, variable_values=variables, operation_name=name)
        assert ours.data == theirs.data
        assert [(e.message, e.path) for e in ours.errors or []] == [(e.message, e.path) for e in theirs.errors or []]
    assert (await basalt.execute(LOOK, variable_values={"id": "z"})).data == {"look": "z -  None", "again": "z -  None"}


def test_the_cache_is_bounded(schema: strawberry.Schema, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepared_module, "PREPARED", 3)
    documents = [parse(f"{{ look(id: {n}) }}") for n in range(5)]
    for document in documents:
        prepare(schema._schema, document, None)
    assert len(prepared_module._prepared) <= 3


SAMPLES: list[Any] = [
    "", "text", "20", 0, 7, -1, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1, 10**30, True, False, 1.5, float("nan"),
    None, {"score": {"gte": 10}}, [1, 2], [], {}, b"bytes",
]


def _json_type() -> Any:
    return strawberry.Schema(query=Query, types=[WithJson])._schema.type_map["JSON"]


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
