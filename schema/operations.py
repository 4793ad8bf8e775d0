"""Executing a parsed, validated document the way `Schema.execute` does, without its pipeline.

Strawberry's `execute` builds an execution context, runs every extension hook of every phase
and converts the result, which cost more than executing a simple query. Two callers skip it:
REST-compat (documents fixed at startup) and plain JSON POSTs to /graphql whose query is already
in the parse and validation caches. Both run the same executor class, the same resolvers and the
same mutation transaction as the full pipeline, and come out with the same errors. An operation
of one plain root field is called without building the executor at all (`schema.root_call`).
"""

from __future__ import annotations

from inspect import isawaitable
from typing import Any

from graphql import DocumentNode, ExecutionResult, OperationDefinitionNode, OperationType, execute, get_operation_ast
from graphql.error import GraphQLSyntaxError
from strawberry import Schema
from strawberry.execution import optimized_is_awaitable

from schema.extensions import OperationLimits, cached_parse, mutation_transaction, transaction_plan
from schema.prepared import prepare
from schema.root_call import root_call


async def execute_document(
    schema: Schema, document: DocumentNode, *, variables: dict[str, Any] | None, operation_name: str | None, context: Any
) -> ExecutionResult:
    """graphql-core's execution as `Schema.execute` calls it; a mutation in the request's
    transaction, rolled back when the result has errors."""

    async def run() -> ExecutionResult:
        if call is not None:
            answer = call.run(variables, context)
            if answer is not None:
                return await answer if optimized_is_awaitable(answer) else answer  # type: ignore[misc]
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

    prepared = prepare(schema._schema, document, operation_name)  # the executor prepares it too: one lookup
    call = root_call(schema, prepared) if prepared is not None else None
    in_transaction, one_unit = prepared.transaction if prepared is not None else transaction_plan(schema._schema, document, operation_name)
    if not in_transaction:
        return await run()
    outcome: list[ExecutionResult] = []
    async with mutation_transaction(lambda: bool(outcome and outcome[0].errors), one_unit=one_unit):
        outcome.append(await run())
    result = outcome[0]
    if result.errors and result.data:  # rolled back: errors and no data, as the extension answers
        return ExecutionResult(data=None, errors=result.errors)
    return result


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

