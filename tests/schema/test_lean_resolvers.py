"""Lean resolvers answer exactly as Strawberry's wrapped ones do.

Each story builds one small Strawberry schema twice, installs lean resolvers in the first only,
runs the same operation on both, and compares what the resolvers received and what the client
sees. No database is involved.
"""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.permission import BasePermission
from strawberry.scalars import JSON
from strawberry.types import Info

from schema import lean_resolvers
from schema.build import build_schema

SEEN: list[Any] = []


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.input
class Range:
    low: int
    high: int | None = None


@strawberry.type
class Item:
    name: str

    @strawberry.field
    def label(self, prefix: str = ">") -> str:
        return f"{prefix}{self.name}"

    @strawberry.field
    def parent_name(self, root: "Item") -> str:
        return root.name


class Never(BasePermission):
    message = "not allowed"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Query:
    @strawberry.field
    def echo(
        self,
        info: Info,
        text: str,
        maybe: str | None = None,
        words: list[str] | None = None,
        span: Range | None = None,
        colour: Colour = Colour.RED,
        payload: JSON | None = None,
    ) -> JSON:
        SEEN.append((text, maybe, words, span, colour, payload, info.field_name))
        return {
            "text": text, "maybe": maybe, "words": words, "span": None if span is None else [type(span).__name__, span.low, span.high],
            "colour": colour.value, "payload": payload,
        }

    @strawberry.field
    async def later(self, n: int) -> int:
        return n * 2

    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(name="a"), Item(name="b")]

    @strawberry.field(permission_classes=[Never])
    def guarded(self) -> str:
        return "secret"

    @strawberry.field
    def fails(self) -> str:
        raise ValueError("broken on purpose")


def build_pair() -> tuple[strawberry.Schema, strawberry.Schema]:
    lean, stock = strawberry.Schema(query=Query), strawberry.Schema(query=Query)
    assert lean_resolvers.install(lean) == 6  # every resolver field but `guarded`
    return lean, stock


async def run_both(document: str, variables: dict[str, Any] | None = None) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(data, error messages and paths, what the resolvers received) for the lean schema, then the stock one."""
    outcomes = []
    for schema in build_pair():
        SEEN.clear()
        result = await schema.execute(document, variable_values=variables)
        errors = [(e.message, e.path) for e in result.errors or []]
        outcomes.append((result.data, errors, list(SEEN)))
    return outcomes[0], outcomes[1]


async def test_arguments_reach_the_resolver_converted_as_strawberry_converts_them() -> None:
    document = """query ($span: Range, $words: [String!]) {
      echo(text: "hi", maybe: null, words: $words, span: $span, colour: BLUE, payload: {a: [1, 2]})
    }"""
    lean, stock = await run_both(document, {"span": {"low": 1}, "words": ["x", "y"]})
    assert lean == stock
    text, maybe, words, span, colour, payload, field_name = lean[2][0]
    assert (text, maybe, words, colour, payload, field_name) == ("hi", None, ["x", "y"], Colour.BLUE, {"a": [1, 2]}, "echo")
    assert isinstance(span, Range) and (span.low, span.high) == (1, None)


async def test_omitted_arguments_take_the_resolvers_defaults() -> None:
    lean, stock = await run_both('{ echo(text: "only") }')
    assert lean == stock
    assert lean[0] == {"echo": {"text": "only", "maybe": None, "words": None, "span": None, "colour": "red", "payload": None}}


async def test_async_resolvers_self_root_and_nested_fields() -> None:
    lean, stock = await run_both('{ later(n: 21) items { name label(prefix: "#") parentName } }')
    assert lean == stock
    assert lean[0] == {"later": 42, "items": [{"name": "a", "label": "#a", "parentName": "a"}, {"name": "b", "label": "#b", "parentName": "b"}]}


async def test_errors_are_located_the_same_way() -> None:
    lean, stock = await run_both("{ fails later(n: 1) }")
    assert lean == stock
    assert lean[1] == [("broken on purpose", ["fails"])]


async def test_a_field_with_a_permission_class_keeps_strawberrys_resolver() -> None:
    lean_schema, _ = build_pair()
    resolve = lean_schema._schema.query_type.fields["guarded"].resolve
    assert not resolve.__name__.startswith("lean_")
    lean, stock = await run_both("{ guarded }")
    assert lean == stock
    assert lean[1] == [("not allowed", ["guarded"])]


def test_basalts_schema_leans_every_resolver_field_but_the_subscriptions() -> None:
    schema = build_schema()
    lean, kept = [], []
    for graphql_type in schema._schema.type_map.values():
        if isinstance(graphql_type, GraphQLObjectType) and not graphql_type.name.startswith("__"):
            for name, field in graphql_type.fields.items():
                definition = field.extensions["strawberry-definition"]
                if definition.base_resolver is not None:
                    (lean if field.resolve.__name__.startswith("lean_") else kept).append(f"{graphql_type.name}.{name}")
    assert len(lean) > 150
    assert kept and all(name.startswith("Subscription.") for name in kept)
