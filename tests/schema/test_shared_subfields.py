"""Subfields collected for a document without directives are reused across requests; with a
directive anywhere, each request collects its own (its variables may change what is selected)."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import DocumentNode, parse
from graphql.execution import executor as graphql_executor

from schema.execution import BasaltExecutor
from schema.operations import execute_document
from schema.prepared import prepare


@strawberry.interface
class Pet:
    name: str


@strawberry.type
class Dog(Pet):
    barks: bool


@strawberry.type
class Cat(Pet):
    lives: int


@strawberry.type
class Query:
    @strawberry.field
    def pets(self) -> list[Pet]:
        return [Dog(name="rex", barks=True), Cat(name="tom", lives=9)]


PETS = "{ pets { name ... on Dog { barks } ... on Cat { lives } } }"
INCLUDED = "query ($more: Boolean!) { pets { name ... on Cat { lives @include(if: $more) } } }"


@pytest.fixture
def schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, types=[Dog, Cat], execution_context_class=BasaltExecutor)


async def run(schema: strawberry.Schema, document: DocumentNode, variables: dict[str, Any] | None = None) -> Any:
    """As the app executes a cached document (the parse cache gives the same text the same document)."""
    result = await execute_document(schema, document, variables=variables, operation_name=None, context=None)
    assert not result.errors
    return result.data


@pytest.fixture
def collections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The type of every object whose subfields graphql-core collects."""
    seen: list[str] = []
    collect = graphql_executor.collect_subfields

    def counting(*args: Any, **kwargs: Any) -> Any:
        seen.append(args[4].name)
        return collect(*args, **kwargs)

    monkeypatch.setattr(graphql_executor, "collect_subfields", counting)
    return seen


@pytest.mark.parametrize(("text", "static"), [
    (PETS, True),
    (INCLUDED, False),
    ("{ pets { name @skip(if: true) } }", False),
    ("{ pets { ...Named } } fragment Named on Pet { name @include(if: false) }", False),
    ("{ pets { ...Named @skip(if: false) } } fragment Named on Pet { name }", False),
    ("{ pets { ... on Dog @include(if: true) { barks } } }", False),
])
def test_a_document_is_static_only_without_any_directive(schema: strawberry.Schema, text: str, static: bool) -> None:
    prepared = prepare(schema._schema, parse(text), None)
    assert prepared is not None and prepared.static is static


async def test_a_static_document_collects_each_types_fields_once(schema: strawberry.Schema, collections: list[str]) -> None:
    document = parse(PETS)
    for _ in range(3):
        assert await run(schema, document) == {"pets": [{"name": "rex", "barks": True}, {"name": "tom", "lives": 9}]}
    assert sorted(collections) == ["Cat", "Dog"]


async def test_a_directive_makes_every_request_collect_with_its_variables(schema: strawberry.Schema, collections: list[str]) -> None:
    document = parse(INCLUDED)
    answers = [await run(schema, document, {"more": more}) for more in (True, False, True)]
    assert answers == [
        {"pets": [{"name": "rex"}, {"name": "tom", "lives": 9}]},
        {"pets": [{"name": "rex"}, {"name": "tom"}]},
        {"pets": [{"name": "rex"}, {"name": "tom", "lives": 9}]},
    ]
    assert sorted(collections) == ["Cat", "Cat", "Cat", "Dog", "Dog", "Dog"]
