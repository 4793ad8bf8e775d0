"""Field resolvers without Strawberry's per-call wrapping, for fields that need none of it.

Strawberry wraps every resolver so that field extensions and exception handlers can run around
it. With neither, each call still builds a closure, folds an empty extension list with `reduce`,
adds a coroutine layer, and converts the arguments by walking their types and computing each
argument's camelCase name again. For a field with no extensions and no exception handler, this
module installs a resolver that does the same work with everything per field decided once:

- arguments of leaf types (scalars, enums; not lists, which Strawberry copies, nor `Maybe` or
  GlobalID) pass through unchanged, as Strawberry's conversion leaves them;
- every other argument goes through Strawberry's own `convert_argument`;
- `self`, `root`, `parent` and `info` parameters are filled in as Strawberry's `get_arguments`
  does, and the resolver is called through `field.get_result`;
- an async resolver's coroutine is returned as it is: graphql-core awaits it.

Subscription fields keep Strawberry's resolvers (their root field returns the event).
"""

from __future__ import annotations

from typing import Any, Callable

from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry import Schema
from strawberry.relay.types import GlobalID
from strawberry.types.arguments import _is_leaf_type, convert_argument
from strawberry.types.base import StrawberryMaybe, StrawberryOptional
from strawberry.types.field import StrawberryField

DEFINITION = "strawberry-definition"


def install(schema: Schema) -> int:
    """Give every field that qualifies a lean resolver; returns how many did (for tests)."""
    converter = schema.schema_converter
    subscription = schema._schema.subscription_type
    installed = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type is subscription or graphql_type.name.startswith("__"):
            continue
        for field_def in graphql_type.fields.values():
            field = (field_def.extensions or {}).get(DEFINITION)
            if isinstance(field, StrawberryField) and qualifies(field, converter):
                field_def.resolve = lean_resolver(field, converter)
                installed += 1
    return installed


def qualifies(field: StrawberryField, converter: Any) -> bool:
    """A field with its own resolver and nothing Strawberry must run around it."""
    return (
        field.base_resolver is not None
        and not field.extensions
        and not field.is_subscription
        and not converter._get_field_exception_handlers(field)
    )


def lean_resolver(field: StrawberryField, converter: Any) -> Callable[..., Any]:
    config, registry = converter.config, converter.scalar_registry
    info_class = config.info_class
    arguments = [
        (config.name_converter.from_argument(argument), argument.python_name, passes_through(argument.type, registry), argument.type)
        for argument in field.arguments
    ]
    resolver = field.base_resolver
    assert resolver is not None
    pass_self = resolver.self_parameter is not None
    parent = resolver.parent_parameter.name if resolver.parent_parameter else None
    root = resolver.root_parameter.name if resolver.root_parameter else None
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    get_result = field.get_result

    def resolve(source: Any, info: GraphQLResolveInfo, **raw: Any) -> Any:
        strawberry_info = info_class(_raw_info=info, _field=field)
        kwargs: dict[str, Any] = {}
        for graphql_name, python_name, plain, type_ in arguments:
            if graphql_name in raw:
                value = raw[graphql_name]
                kwargs[python_name] = value if plain else convert_argument(
                    value, type_, registry, config, strawberry_info, path=(graphql_name,)
                )
        if parent:
            kwargs[parent] = source
        if root:
            kwargs[root] = source
        if info_name:
            kwargs[info_name] = strawberry_info
        return get_result(source, info=strawberry_info, args=[source] if pass_self else [], kwargs=kwargs)

    resolve.__name__ = f"lean_{field.python_name}"
    return resolve


def passes_through(type_: Any, registry: Any) -> bool:
    """True when Strawberry's `convert_argument` returns the value unchanged for this type."""
    if isinstance(type_, StrawberryMaybe):
        return False  # wrapped in Some
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    return type_ is not GlobalID and _is_leaf_type(type_, registry)
