"""Compile each table row into a GraphQL document plus the argument types to validate against."""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field

from graphql import (
    DocumentNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    parse,
    validate,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)

from rest_compat.mapping import Body, RawBody, RestRoute, Source
from rest_compat.naming import graphql_name, graphql_only, rest_name, rest_names
from schema.prepared import PlainTest, plain_test


@dataclass(frozen=True)
class CompiledRoute:
    route: RestRoute
    operation: str  # "query" | "mutation"
    document: str
    arguments: dict[str, tuple[GraphQLArgument, Source]]
    output: GraphQLField
    parsed: DocumentNode  # parsed and validated once, at startup: requests only execute it
    # Worked out from `arguments`:
    plain: dict[str, PlainTest] = dataclass_field(init=False)  # per argument: values GraphQL takes as they are (`plain_test`)
    reads_body: bool = dataclass_field(init=False)  # some argument comes from the JSON (or form) body
    reads_raw_body: bool = dataclass_field(init=False)

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


def required(argument: GraphQLArgument) -> bool:
    return is_non_null_type(argument.type) and argument.default_value is Undefined


def _variable_type(argument: GraphQLArgument) -> str:
    """Arguments with defaults take nullable variables, so an absent value falls back to the default."""
    if argument.default_value is not Undefined and isinstance(argument.type, GraphQLNonNull):
        return str(argument.type.of_type)
    return str(argument.type)
