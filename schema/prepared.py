"""What graphql-core works out from a document on every execution, worked out once per document.

`Executor.build` walks the document's definitions to find the operation and the fragments, and
turns every variable definition's type AST back into a schema type before coercing the values.
None of that depends on the request: documents are cached by query text (REST-compat's are fixed
at startup), so the same text brings the same document. `prepare` keeps the outcome per document
and `coerce_variables` coerces the request's values with it (a value of a scalar that GraphQL
takes as it is, `plain_test`, is passed without the round through graphql-core's coercion).

So is whether a mutation runs in the request's transaction, and as one unit (`transaction`,
read by `schema.operations.execute_document`).

A document without any directive (`static`) also selects the same fields on every execution:
`@skip`, `@include` and `@defer` are the only things that make field collection depend on the
request, so the executor may reuse collected subfields across requests (`schema.execution`).

Anything unusual is left to graphql-core, which then answers (and reports) as it always does: a
document without a single operation to run, fragment variables, a variable with a default value
or an unknown type, and any value that fails coercion (its error messages come from graphql-core).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLBoolean,
    GraphQLID,
    GraphQLInputType,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    VariableDefinitionNode,
    is_non_null_type,
)
from graphql.execution.collect_fields import FragmentDetails
from graphql.execution.get_variable_signature import GraphQLVariableSignature, get_variable_signature
from graphql.execution.values import VariableValues, VariableValueSource, input_is_nested_too_deeply
from graphql.type.scalars import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT
from graphql.utilities import coerce_input_value
from strawberry.scalars import JSON
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY

from schema.extensions import transaction_plan

PlainTest = Callable[[Any], bool]


@dataclass(frozen=True)
class Prepared:
    schema: GraphQLSchema
    document: DocumentNode
    operation: OperationDefinitionNode
    fragment_definitions: dict[str, FragmentDefinitionNode]
    fragments: dict[str, FragmentDetails]
    variables: tuple[tuple[VariableDefinitionNode, GraphQLVariableSignature, "PlainTest | None"], ...]
    static: bool  # no directive anywhere in the operation or its fragments
    transaction: tuple[bool, bool]  # in the request's transaction, and as one unit (`extensions.transaction_plan`)


# By (schema, document, operation name); the entry keeps the schema and the document, so their ids
# cannot be reused while it lives. Oldest out first.
PREPARED = 4096
_prepared: OrderedDict[tuple[int, int, str | None], Prepared | tuple[GraphQLSchema, DocumentNode]] = OrderedDict()


def prepare(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Prepared | None:
    """The document's operation, fragments and variable signatures; None when graphql-core must
    build the executor itself (see the module docstring)."""
    key = (id(schema), id(document), operation_name)
    found = _prepared.get(key)
    if isinstance(found, Prepared):
        if found.schema is schema and found.document is document:
            return found
    elif found is not None and found[0] is schema and found[1] is document:
        return None  # known to need graphql-core
    prepared = _prepare(schema, document, operation_name)
    _prepared[key] = prepared if prepared is not None else (schema, document)
    while len(_prepared) > PREPARED:
        _prepared.popitem(last=False)
    return prepared


def _prepare(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Prepared | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) != 1:
            return None
        operation = operations[0]
    else:
        named = [o for o in operations if o.name and o.name.value == operation_name]
        if not named:
            return None
        operation = named[-1]  # graphql-core keeps the last one of that name
    fragment_definitions: dict[str, FragmentDefinitionNode] = {}
    fragments: dict[str, FragmentDetails] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            if definition.variable_definitions:
                return None
            fragment_definitions[definition.name.value] = definition
            fragments[definition.name.value] = FragmentDetails(definition, None)
    variables = []
    for node in operation.variable_definitions or ():
        signature = get_variable_signature(schema, node)
        if not isinstance(signature, GraphQLVariableSignature) or node.default_value is not None:
            return None
        variables.append((node, signature, plain_test(signature.type)))
    static = not any(node.directives or _has_directives(node.selection_set) for node in (operation, *fragment_definitions.values()))
    transaction = transaction_plan(schema, document, operation_name)
    return Prepared(schema, document, operation, fragment_definitions, fragments, tuple(variables), static, transaction)


def _has_directives(selection_set: SelectionSetNode | None) -> bool:
    """Any directive on a selection at any depth (fragment definitions are checked on their own)."""
    if selection_set is None:
        return False
    return any(s.directives or _has_directives(getattr(s, "selection_set", None)) for s in selection_set.selections)


def coerce_variables(prepared: Prepared, inputs: dict[str, Any]) -> VariableValues | None:
    """The coerced values as graphql-core's `get_variable_values` gives them, or None when any
    value fails (graphql-core then coerces again and reports the errors)."""
    sources: dict[str, VariableValueSource] = {}
    coerced: dict[str, Any] = {}
    for _, signature, plain in prepared.variables:
        name, type_ = signature.name, signature.type
        value = inputs.get(name, Undefined)
        if value is Undefined:
            if not is_non_null_type(type_):
                sources[name] = VariableValueSource(signature)
                continue
            return None  # a required variable is missing
        sources[name] = VariableValueSource(signature, value)
        if plain is not None and plain(value):
            coerced[name] = value  # what coercion would return
            continue
        if input_is_nested_too_deeply(value, type_):
            return None
        coerced_value = coerce_input_value(value, type_)
        if coerced_value is Undefined:
            return None
        coerced[name] = coerced_value
    return VariableValues(sources, coerced)


def plain_test(type_: GraphQLInputType) -> PlainTest | None:
    """A test for the values of a scalar argument that GraphQL takes exactly as they are: text
    for String and ID, a 32-bit whole number for Int, a boolean for Boolean, anything but null
    for Strawberry's JSON (its parser returns the value). Validating or coercing those would
    report nothing and change nothing, so variables (`coerce_variables`) and REST arguments
    (`rest_compat.operations`) pass them as they are; None for any other type (lists, input
    objects, enums, other scalars), whose values always go through graphql-core."""
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
