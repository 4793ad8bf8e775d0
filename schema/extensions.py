"""Schema extensions: domain errors as `extensions.code`, and one transaction per mutation request."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType
from tortoise.transactions import in_transaction

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


class DomainErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [shape_error(e) for e in result.errors]


class _Rollback(Exception):
    pass


@asynccontextmanager
async def mutation_transaction(failed: Callable[[], bool]) -> AsyncIterator[None]:
    """One transaction for a whole mutation request: rolled back when `failed()` says the
    operation ended with errors. Shared by GraphQL (the extension below) and REST-compat."""
    try:
        async with in_transaction():
            yield
            if failed():
                raise _Rollback
    except _Rollback:
        pass


class RequestTransaction(SchemaExtension):
    """A mutation request commits all or nothing: any error rolls back every root field."""

    async def on_execute(self) -> AsyncIterator[None]:
        if self.execution_context.operation_type != OperationType.MUTATION:
            yield
            return
        async with mutation_transaction(self._failed):
            yield
        result = self.execution_context.result
        if self._failed() and result is not None and result.data:
            result.data = None

    def _failed(self) -> bool:
        result = self.execution_context.result
        return bool(result is not None and result.errors)
