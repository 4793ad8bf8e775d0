"""Executing a parsed, validated document the way `Schema.execute` does, without its pipeline.

Strawberry's `execute` builds an execution context, runs every extension hook of every phase
and converts the result, which cost more than executing a simple query. Two callers skip it:
REST-compat (documents fixed at startup) and plain JSON POSTs to /graphql whose query is already
in the parse and validation caches. Both run the same executor class, the same resolvers and the
same mutation transaction as the full pipeline, and come out with the same errors.
"""

from __future__ import annotations

from collections import OrderedDict
from inspect import isawaitable
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLSchema, OperationDefinitionNode, OperationType, execute, get_operation_ast
from graphql.error import GraphQLSyntaxError
from strawberry import Schema
from strawberry.execution import optimized_is_awaitable

from schema.extensions import OperationLimits, cached_parse, is_one_unit, mutation_transaction, needs_request_transaction


async def execute_document(
    schema: Schema, document: DocumentNode, *, variables: dict[str, Any] | None, operation_name: str | None, context: Any
) -> ExecutionResult:
    """graphql-core's execution as `Schema.execute` calls it; a mutation in the request's
    transaction, rolled back when the result has errors."""

    async def run() -> ExecutionResult:
        result = execute(
            schema._schema,
            document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            is_awaitable=optimized_is_awaitable,
            executor_class=schema.execution_context_class,
        )
        return await result if isawaitable(result) else result  # type: ignore[return-value]

    in_transaction, one_unit = transaction_plan(schema._schema, document, operation_name)
    if not in_transaction:
        return await run()
    outcome: list[ExecutionResult] = []
    async with mutation_transaction(lambda: bool(outcome and outcome[0].errors), one_unit=one_unit):
        outcome.append(await run())
    result = outcome[0]
    if result.errors and result.data:  # rolled back: errors and no data, as the extension answers
        return ExecutionResult(data=None, errors=result.errors)
    return result


# By (schema, document, operation name); the entry keeps the schema and the document, so their ids
# cannot be reused while it lives. Oldest out first.
PLANS = 4096
_plans: OrderedDict[tuple[int, int, str | None], tuple[GraphQLSchema, DocumentNode, tuple[bool, bool]]] = OrderedDict()


def transaction_plan(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> tuple[bool, bool]:
    """Whether the operation runs in the request's transaction (a mutation whose root fields do
    not open their own), and whether that transaction is one unit (`is_one_unit`). Worked out once
    per document: documents are cached by query text, and REST-compat's are fixed at startup."""
    key = (id(schema), id(document), operation_name)
    found = _plans.get(key)
    if found is not None and found[0] is schema and found[1] is document:
        return found[2]
    operation = get_operation_ast(document, operation_name)
    in_transaction = (
        operation is not None and operation.operation == OperationType.MUTATION and needs_request_transaction(schema, document, operation_name)
    )
    plan = (in_transaction, in_transaction and is_one_unit(document, operation_name))
    _plans[key] = (schema, document, plan)
    while len(_plans) > PLANS:
        _plans.popitem(last=False)
    return plan


def ready_operation(
    limits: OperationLimits, schema: Schema, query: str, operation_name: str | None
) -> tuple[DocumentNode, OperationDefinitionNode] | None:
    """The document and its operation when the query parses and validates cleanly (both cached)
    and is a query or a mutation; None for anything the full pipeline must answer (its errors,
    subscriptions, an ambiguous operation)."""
    try:
        document = cached_parse(query, limits.max_tokens)
    except GraphQLSyntaxError:
        return None
    if limits.validate(schema._schema, query, document):
        return None
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation == OperationType.SUBSCRIPTION:
        return None
    return document, operation

