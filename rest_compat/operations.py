"""Compile each table row into a GraphQL document plus the argument types to validate against."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field as dataclass_field
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLInputType,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    Undefined,
    get_named_type,
    parse,
    validate,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.type.scalars import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT
from strawberry.scalars import JSON
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY

from rest_compat.mapping import Body, RawBody, RestRoute, Source
from rest_compat.naming import graphql_name, graphql_only, rest_name, rest_names

PlainTest = Callable[[Any], bool]


@dataclass(frozen=True)
class CompiledRoute:
    route: RestRoute
    operation: str  # "query" | "mutation"
    document: str
    arguments: dict[str, tuple[GraphQLArgument, Source]]
    output: GraphQLField
    parsed: DocumentNode  # parsed and validated once, at startup: requests only execute it
    plain: dict[str, PlainTest] = dataclass_field(default_factory=dict)  # per argument, see `plain_test`
    reads_body: bool = False  # some argument comes from the JSON (or form) body
    reads_raw_body: bool = False

    def __post_init__(self) -> None:
        sources = [source for _, source in self.arguments.values()]
        object.__setattr__(self, "reads_body", any(isinstance(s, Body) for s in sources))
        object.__setattr__(self, "reads_raw_body", any(isinstance(s, RawBody) for s in sources))
        tests = {name: plain_test(argument.type) for name, (argument, _) in self.arguments.items()}
        object.__setattr__(self, "plain", {name: test for name, test in tests.items() if test is not None})


def compile_route(schema: GraphQLSchema, route: RestRoute) -> CompiledRoute:
    """Arguments and result keys keep their snake_case (Python) names; the document aliases them."""
    field_name = graphql_name(route.field)
    operation, field = _root_field(schema, field_name)
    by_python_name = rest_names(field.args)
    arguments: dict[str, tuple[GraphQLArgument, Source]] = {}
    for name, source in route.args.items():
        if name not in by_python_name:
            raise ValueError(f"{route.method} {route.path}: {field_name} has no argument {name!r}")
        arguments[name] = (field.args[by_python_name[name]], source)
    missing = [rest_name(n, a) for n, a in field.args.items() if required(a) and rest_name(n, a) not in arguments]
    if missing:
        raise ValueError(f"{route.method} {route.path}: required argument(s) {missing} are not mapped")
    variables = ", ".join(f"${n}: {_variable_type(a)}" for n, (a, _) in arguments.items())
    call_args = ", ".join(f"{by_python_name[n]}: ${n}" for n in arguments)
    header = f"{operation} rest_{route.field}" + (f"({variables})" if variables else "")
    call = f"{route.field}: {field_name}" + (f"({call_args})" if call_args else "")
    document = f"{header} {{ {call} {selection_set(field.type, only=route.select)} }}"
    parsed = parse(document)
    errors = validate(schema, parsed)
    if errors:
        raise ValueError(f"{route.method} {route.path}: invalid GraphQL document: {errors[0].message}")
    return CompiledRoute(route, operation, document, arguments, field, parsed)


def selection_set(type_: object, seen: frozenset[str] = frozenset(), only: tuple[str, ...] = ()) -> str:
    """Every field reachable without arguments, stopping at a type already on the path (no cycles).

    Each field is aliased to its snake_case name, so REST `data` keys match the documented shapes.
    """
    named = get_named_type(type_)  # type: ignore[arg-type]
    if is_leaf_type(named):
        return ""
    assert isinstance(named, GraphQLObjectType)
    seen = seen | {named.name}
    parts: list[str] = []
    for name, field in named.fields.items():
        if graphql_only(field):
            continue
        child = get_named_type(field.type)
        alias = rest_name(name, field)
        if only and alias not in only:
            continue
        selected = name if alias == name else f"{alias}: {name}"
        if is_leaf_type(child):
            parts.append(selected)
        elif is_object_type(child) and child.name not in seen:
            parts.append(f"{selected} {selection_set(child, seen)}")
    return "{ " + " ".join(parts) + " }"


def _root_field(schema: GraphQLSchema, name: str) -> tuple[str, GraphQLField]:
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is not None and name in root.fields:
            return operation, root.fields[name]
    raise ValueError(f"no query or mutation field named {name!r}")


def plain_test(type_: GraphQLInputType) -> PlainTest | None:
    """A test for the values of a scalar argument that GraphQL takes exactly as they are: text
    for String and ID, a 32-bit whole number for Int, a boolean for Boolean, anything but null
    for Strawberry's JSON (its parser returns the value). Validating those would report nothing
    and change nothing, so the REST layer passes them without graphql-core's validation; None for
    any other type (lists, input objects, enums, other scalars), which is always validated."""
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if inner is GraphQLString or inner is GraphQLID:
        return _is_text
    if inner is GraphQLInt:
        return _is_int32
    if inner is GraphQLBoolean:
        return _is_boolean
    if isinstance(inner, GraphQLScalarType) and inner.parse_value is DEFAULT_SCALAR_REGISTRY[JSON].parse_value:
        return _is_not_null
    return None


def _is_text(value: Any) -> bool:
    return type(value) is str


def _is_int32(value: Any) -> bool:
    return type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT


def _is_boolean(value: Any) -> bool:
    return type(value) is bool


def _is_not_null(value: Any) -> bool:
    return value is not None


def required(argument: GraphQLArgument) -> bool:
    return is_non_null_type(argument.type) and argument.default_value is Undefined


def _variable_type(argument: GraphQLArgument) -> str:
    """Arguments with defaults take nullable variables, so an absent value falls back to the default."""
    if argument.default_value is not Undefined and isinstance(argument.type, GraphQLNonNull):
        return str(argument.type.of_type)
    return str(argument.type)
