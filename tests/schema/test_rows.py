"""Compiled row writers (`schema.rows.compile_row`) write what the interpreted `shaped_row` does,
value for value: the fast tests only let through what the serialisers would return unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, NewType

import pytest
import strawberry
from graphql import GraphQLBoolean, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLObjectType, GraphQLString
from strawberry.scalars import JSON
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY

from schema.rows import PLAIN_OBJECTS, LeafField, NestedField, Shape, compile_row, isoformat, leaf_of, plain_object_class, shaped_row


def leaf(attribute: str, kind: str, *, non_null: bool = True) -> LeafField:
    serializers = {"ID": GraphQLID, "String": GraphQLString, "Boolean": GraphQLBoolean, "Int": GraphQLInt, "Float": GraphQLFloat}
    if kind == "DateTime":
        return LeafField(attribute, isoformat, non_null)
    if kind == "JSON":
        return LeafField(attribute, DEFAULT_SCALAR_REGISTRY[JSON].serialize, non_null, as_is=True)
    scalar = serializers[kind]
    passthrough = {"ID": str, "String": str, "Boolean": bool}.get(kind)
    return LeafField(attribute, scalar.serialize, non_null, passthrough, scalar is GraphQLInt)


@dataclass
class Source:
    value: Any


class Raising:
    @property
    def value(self) -> Any:
        raise RuntimeError("no value")


def written(shape: Shape, source: Any) -> Any:
    """Both writers' answer, which must be the same."""
    compiled, interpreted = compile_row(shape)(source), shaped_row(shape, source)
    assert compiled == interpreted
    assert type(compiled) is type(interpreted)
    return compiled


UTC_NOON = datetime(2026, 11, 22, 12, 0, 0, 123456, tzinfo=timezone.utc)
PLUS_ONE = datetime(2026, 11, 22, 12, 0, tzinfo=timezone(timedelta(hours=1, seconds=30)))


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("ID", "obj_1", "obj_1"),
        ("ID", 42, "42"),  # ID writes whole numbers as text
        ("String", "text", "text"),
        ("String", 3.5, "3.5"),
        ("Boolean", True, True),
        ("Boolean", 1, True),
        ("Int", 7, 7),
        ("Int", 2**31 - 1, 2**31 - 1),
        ("Int", -(2**31), -(2**31)),
        ("Int", True, 1),  # a bool is not an int here: the serialiser decides
        ("Int", 3.0, 3),
        ("Float", 2, 2.0),
        ("DateTime", UTC_NOON, "2026-11-22T12:00:00.123456+00:00"),
        ("DateTime", PLUS_ONE, PLUS_ONE.isoformat()),
        ("DateTime", date(2026, 11, 22), "2026-11-22"),
        ("DateTime", datetime(2026, 11, 22, 12, 0), "2026-11-22T12:00:00"),
        ("JSON", {"a": [1, Decimal("2.5")]}, {"a": [1, Decimal("2.5")]}),
        ("JSON", [1, "two"], [1, "two"]),
        ("JSON", Decimal("2.50"), Decimal("2.50")),
    ],
)
def test_each_leaf_kind_is_written_as_its_serialiser_writes_it(kind: str, value: Any, expected: Any) -> None:
    assert written([("v", leaf("value", kind))], Source(value)) == {"v": expected}


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("Int", 2**31),  # out of Int's range: graphql-core reports it
        ("Int", 2.5),
        ("Boolean", "yes"),
        ("ID", None),  # null for a non-null field
    ],
)
def test_a_value_the_serialiser_refuses_hands_the_row_back(kind: str, value: Any) -> None:
    assert written([("v", leaf("value", kind))], Source(value)) is None


@pytest.mark.parametrize("kind", ["ID", "String", "Boolean", "Int", "Float", "DateTime", "JSON"])
def test_null_is_null_for_a_nullable_leaf_and_hands_the_row_back_for_a_non_null_one(kind: str) -> None:
    assert written([("v", leaf("value", kind, non_null=False))], Source(None)) == {"v": None}
    assert written([("v", leaf("value", kind))], Source(None)) is None


Cents = strawberry.scalar(NewType("Cents", object), serialize=lambda v: f"{v / 100:.2f}", parse_value=lambda v: v)


@strawberry.type
class Priced:
    data: JSON
    price: Cents  # type: ignore[valid-type]


@strawberry.type
class Query:
    priced: Priced


def test_only_strawberrys_own_json_scalar_is_written_as_it_is() -> None:
    """A custom scalar's serialiser runs for every value, whatever the value's type."""
    priced = strawberry.Schema(query=Query)._schema.type_map["Priced"]
    data, price = leaf_of(priced.fields["data"]), leaf_of(priced.fields["price"])
    assert data is not None and data.as_is
    assert price is not None and not price.as_is
    assert written([("data", data), ("price", price)], Priced(data={"a": 1}, price=1250)) == {"data": {"a": 1}, "price": "12.50"}


def test_an_attribute_that_raises_or_awaits_hands_the_row_back() -> None:
    async def later() -> str:
        return "x"

    assert written([("v", leaf("value", "String"))], Raising()) is None
    pending = later()  # an awaitable value: graphql-core awaits it
    assert written([("v", leaf("value", "String"))], Source(pending)) is None
    pending.close()
    assert written([("v", leaf("value", "Int"))], Source(ValueError("a field error"))) is None


NODE = GraphQLObjectType("Node", {})


def nested_shape(*, non_null: bool) -> Shape:
    inner: Shape = [("id", leaf("value", "ID")), ("n", leaf("count", "Int"))]
    return [("cursor", leaf("cursor", "String")), ("node", (NestedField("node", non_null, NODE, ()), inner))]


@dataclass
class Edge:
    cursor: str
    node: Any


@dataclass
class Counted:
    value: Any
    count: Any


def test_plain_nested_objects_are_written_in_place_and_null_follows_the_field() -> None:
    assert written(nested_shape(non_null=True), Edge("c1", Counted("obj_1", 3))) == {"cursor": "c1", "node": {"id": "obj_1", "n": 3}}
    assert written(nested_shape(non_null=False), Edge("c1", None)) == {"cursor": "c1", "node": None}
    assert written(nested_shape(non_null=True), Edge("c1", None)) is None
    assert written(nested_shape(non_null=True), Edge("c1", Counted("obj_1", 2**40))) is None  # refused inside


class Dynamic:
    """Answers any attribute, `__await__` included: graphql-core's `hasattr` test calls it awaitable."""

    def __getattr__(self, name: str) -> Any:
        return 1


class Costumed:
    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance() believes it
        return ValueError


class Awaitable:
    def __await__(self) -> Any:
        yield


def test_a_class_is_plain_only_when_no_value_of_it_can_be_an_error_or_awaitable() -> None:
    assert plain_object_class(Counted) and plain_object_class(Edge)
    for odd in (type(None), ValueError, KeyboardInterrupt, Dynamic, Costumed, Awaitable, type((lambda: (yield))())):
        assert not plain_object_class(odd), odd


def test_a_nested_object_of_a_plain_class_skips_the_tests_and_is_written_the_same() -> None:
    shape = nested_shape(non_null=True)
    write = compile_row(shape)
    assert write(Edge("c1", Counted("obj_1", 3))) == {"cursor": "c1", "node": {"id": "obj_1", "n": 3}}
    assert Counted in PLAIN_OBJECTS  # found plain by the first row
    assert written(shape, Edge("c2", Counted("obj_2", 4))) == {"cursor": "c2", "node": {"id": "obj_2", "n": 4}}
    assert written(shape, Edge("c3", Counted("obj_3", 2**40))) is None  # the inner row still refuses what it must
    for odd in (Dynamic(), Costumed(), Awaitable(), ValueError("a field error")):
        assert written(shape, Edge("c4", odd)) is None, odd
        assert type(odd) not in PLAIN_OBJECTS


def test_response_names_and_aliases_are_keys_never_code() -> None:
    shape: Shape = [("a b\"); import os; (", leaf("value", "String")), ("value", leaf("value", "String"))]
    assert written(shape, Source("x")) == {"a b\"); import os; (": "x", "value": "x"}


def test_an_attribute_that_is_not_a_plain_name_is_read_by_the_interpreted_writer() -> None:
    odd = SimpleNamespace(**{"class": "kept"})
    shape: Shape = [("v", leaf("class", "String"))]
    assert compile_row(shape)(odd) == {"v": "kept"}


def test_an_empty_shape_writes_an_empty_row() -> None:
    assert written([], Source("x")) == {}


def test_a_shape_of_plain_attributes_gets_a_generated_function_and_an_odd_one_the_interpreter() -> None:
    plain = compile_row([("v", leaf("value", "String"))])
    odd = compile_row([("v", leaf("class", "String"))])
    assert plain.__code__.co_filename == "<schema.rows.compile_row>"
    assert odd.__code__.co_filename != "<schema.rows.compile_row>"
