"""The schema's one extension: cached parsing and validation with limits, one transaction per
mutation request, and domain errors as `extensions.code`."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, FieldNode, GraphQLError, GraphQLSchema, get_operation_ast, parse, specified_rules
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType

from resolvers import db
from resolvers.errors import DomainError

log = logging.getLogger("basalt.graphql")


def error_extensions(error: DomainError) -> dict[str, Any]:
    """GraphQL keeps the message at the top level; the rest goes into `extensions`."""
    extensions = {k: v for k, v in error.payload().items() if k != "message"}
    extensions["status"] = error.status
    return extensions


def shape_error(error: GraphQLError) -> GraphQLError:
    """Give every error a code; hide the text of unexpected ones (no internals leak)."""
    original = error.original_error
    if error.extensions and "code" in error.extensions:
        return error
    if isinstance(original, DomainError):
        message, extensions = original.message, error_extensions(original)
    elif original is None:
        code = "GRAPHQL_PARSE_FAILED" if "Syntax Error" in error.message else "GRAPHQL_VALIDATION_FAILED"
        message, extensions = error.message, {"code": code, "status": 400}
    elif isinstance(original, GraphQLError) and error.path is None:  # a variable's value its type refuses
        message, extensions = error.message, {"code": "VALIDATION_ERROR", "status": 400}
    else:
        log.error("unexpected error in %s", error.path, exc_info=original)
        message, extensions = "Internal server error", {"code": "INTERNAL_ERROR", "status": 500}
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions=extensions,
    )


OWN_TRANSACTIONS = "basalt_own_transactions"  # field metadata: the resolver opens its own short transactions


def own_transactions(description: str) -> dict[str, Any]:
    """Keyword arguments for a mutation that waits on the network (a webhook test send): it must not
    hold the request's transaction (on SQLite, the one connection) while it waits, so it writes in
    short transactions of its own."""
    return {"description": description, "metadata": {OWN_TRANSACTIONS: True}}


def needs_request_transaction(schema: GraphQLSchema, document: DocumentNode | None, operation_name: str | None) -> bool:
    """False when every root field of the mutation opens its own transactions."""
    operation = get_operation_ast(document, operation_name) if document is not None else None
    mutation_type = schema.mutation_type
    if operation is None or mutation_type is None:
        return True
    for selection in operation.selection_set.selections:
        field = mutation_type.fields.get(selection.name.value) if isinstance(selection, FieldNode) else None
        definition = field.extensions.get("strawberry-definition") if field is not None else None
        if not (definition is not None and definition.metadata.get(OWN_TRANSACTIONS)):
            return True
    return False


def is_one_unit(document: DocumentNode | None, operation_name: str | None) -> bool:
    """True for a mutation of one root field answered with leaf fields only: its resolver is the
    whole unit of work, and nothing after it (no nested resolver) can fail and expect the
    transaction to roll back. Its transaction may then skip BEGIN and COMMIT around a lone last
    write (`db.last_write`)."""
    operation = get_operation_ast(document, operation_name) if document is not None else None
    if operation is None or operation.operation.value != "mutation" or len(operation.selection_set.selections) != 1:
        return False
    root = operation.selection_set.selections[0]
    if not isinstance(root, FieldNode) or root.directives:
        return False
    return root.selection_set is None or all(
        isinstance(s, FieldNode) and s.selection_set is None and not s.directives for s in root.selection_set.selections
    )


def transaction_plan(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> tuple[bool, bool]:
    """Whether the operation runs in the request's transaction (a mutation whose root fields do
    not open their own), and whether that transaction is one unit (`is_one_unit`). Kept per
    document by `schema.prepared` (`Prepared.transaction`)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation.value != "mutation" or not needs_request_transaction(schema, document, operation_name):
        return False, False
    return True, is_one_unit(document, operation_name)


class _Rollback(Exception):
    """Passed to the transaction's exit to roll it back; never raised."""


def mutation_transaction(failed: Callable[[], bool], *, one_unit: bool = False) -> MutationTransaction:
    """One transaction for a whole mutation request: rolled back when `failed()` says the
    operation ended with errors. Shared by GraphQL (the extension below) and REST-compat.
    `one_unit`: see `is_one_unit`."""
    return MutationTransaction(failed, db.transaction(one_unit=one_unit))


class MutationTransaction:
    """`async with mutation_transaction(...)` (a class: see `db.Transaction`)."""

    __slots__ = ("_failed", "_transaction")

    def __init__(self, failed: Callable[[], bool], transaction: db.Transaction) -> None:
        self._failed = failed
        self._transaction = transaction

    async def __aenter__(self) -> None:
        await self._transaction.__aenter__()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        if exc is None and self._failed():
            rollback = _Rollback()
            return await self._transaction.__aexit__(_Rollback, rollback, None)
        return await self._transaction.__aexit__(exc_type, exc, tb)


class BasaltOperation(SchemaExtension):
    """Everything our schema does around an operation, as one extension.

    Strawberry walks every extension's hooks for every phase of every request, so seven small
    extensions (parser and validation caches, three limits, error shaping, the transaction) cost
    more than the operation itself on a simple query. Here:
    - parsing is cached by query text, with the token limit;
    - validation (the standard rules plus depth, alias and, when asked, introspection limits) is
      cached by query text: the same text always parses to the same document, and validation
      does not depend on variables;
    - a mutation runs in one transaction, rolled back when any root field fails;
    - every error leaves with a code (`shape_error`).
    """

    def __init__(self, limits: OperationLimits) -> None:
        super().__init__()
        self.limits = limits

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = cached_parse(context.query or "", self.limits.max_tokens)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = self.limits.validate(context.schema._schema, context.query or "", context.graphql_document)
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.operation_type != OperationType.MUTATION or not needs_request_transaction(
            context.schema._schema, context.graphql_document, context.operation_name
        ):
            yield
            return
        async with mutation_transaction(self._failed, one_unit=is_one_unit(context.graphql_document, context.operation_name)):
            yield
        result = self.execution_context.result
        if self._failed() and result is not None and result.data:
            result.data = None

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [shape_error(e) for e in result.errors]

    def _failed(self) -> bool:
        result = self.execution_context.result
        return bool(result is not None and result.errors)


@lru_cache(maxsize=1000)
def cached_parse(query: str, max_tokens: int) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


class OperationLimits:
    """The limits, and the validation results they produce, shared by all requests."""

    def __init__(self, *, max_depth: int, max_aliases: int, max_tokens: int, introspection: bool, cache_size: int = 1000) -> None:
        self.max_tokens = max_tokens
        extra: list[Any] = [depth_validator(max_depth, None, None), alias_validator(max_aliases)]
        if not introspection:
            extra.append(NoSchemaIntrospectionCustomRule)
        self.rules = (*specified_rules, *extra)
        self._validated: OrderedDict[str, list[GraphQLError]] = OrderedDict()
        self._cache_size = cache_size

    def validate(self, schema: GraphQLSchema, query: str, document: DocumentNode | None) -> list[GraphQLError]:
        errors = self._validated.get(query)
        if errors is not None:
            self._validated.move_to_end(query)
            return errors
        assert document is not None
        errors = validate_document(schema, document, self.rules)
        self._validated[query] = errors
        if len(self._validated) > self._cache_size:
            self._validated.popitem(last=False)
        return errors
