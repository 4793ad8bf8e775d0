"""Compile each table row into a GraphQL document plus the argument types to validate against."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)

from rest_compat.mapping import RestRoute, Source


@dataclass(frozen=True)
class CompiledRoute:
    route: RestRoute
    operation: str  # "query" | "mutation"
    document: str
    arguments: dict[str, tuple[GraphQLArgument, Source]]
    output: GraphQLField


def compile_route(schema: GraphQLSchema, route: RestRoute) -> CompiledRoute:
    operation, field = _root_field(schema, route.field)
    arguments: dict[str, tuple[GraphQLArgument, Source]] = {}
    for name, source in route.args.items():
        if name not in field.args:
            raise ValueError(f"{route.method} {route.path}: {route.field} has no argument {name!r}")
        arguments[name] = (field.args[name], source)
    missing = [n for n, a in field.args.items() if required(a) and n not in arguments]
    if missing:
        raise ValueError(f"{route.method} {route.path}: required argument(s) {missing} are not mapped")
    variables = ", ".join(f"${n}: {_variable_type(a)}" for n, (a, _) in arguments.items())
    call_args = ", ".join(f"{n}: ${n}" for n in arguments)
    header = f"{operation} rest_{route.field}" + (f"({variables})" if variables else "")
    call = route.field + (f"({call_args})" if call_args else "")
    document = f"{header} {{ {call} {selection_set(field.type)} }}"
    return CompiledRoute(route, operation, document, arguments, field)


def selection_set(type_: object, seen: frozenset[str] = frozenset()) -> str:
    """Every field reachable without arguments, stopping at a type already on the path (no cycles)."""
    named = get_named_type(type_)  # type: ignore[arg-type]
    if is_leaf_type(named):
        return ""
    assert isinstance(named, GraphQLObjectType)
    seen = seen | {named.name}
    parts: list[str] = []
    for name, field in named.fields.items():
        if any(required(a) for a in field.args.values()):
            continue
        child = get_named_type(field.type)
        if is_leaf_type(child):
            parts.append(name)
        elif is_object_type(child) and child.name not in seen:
            parts.append(f"{name} {selection_set(child, seen)}")
    return "{ " + " ".join(parts) + " }"


def _root_field(schema: GraphQLSchema, name: str) -> tuple[str, GraphQLField]:
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is not None and name in root.fields:
            return operation, root.fields[name]
    raise ValueError(f"no query or mutation field named {name!r}")


def required(argument: GraphQLArgument) -> bool:
    return is_non_null_type(argument.type) and argument.default_value is Undefined


def _variable_type(argument: GraphQLArgument) -> str:
    """Arguments with defaults take nullable variables, so an absent value falls back to the default."""
    if argument.default_value is not Undefined and isinstance(argument.type, GraphQLNonNull):
        return str(argument.type.of_type)
    return str(argument.type)
