"""One root field called without building graphql-core's executor.

Every REST route and most operations clients send select one field of the query or mutation
type, with no directive, and answer with an object of plain fields (a created or fetched object).
For those, graphql-core's executor cost more than the field: building it (about 6 µs: its state,
Strawberry's wrapper, the incremental-delivery bookkeeping), then four coroutine layers around the
resolver and the response (another 8 µs), against about 4 µs for what has an effect. A `RootCall`,
worked out once per document, does only that:

- the variables are coerced as the executor does (`prepared.coerce_variables`);
- the field's arguments come from graphql-core's own `get_argument_values`;
- the resolver gets the same info Strawberry builds (the coerced variables, the context);
- the answer is written by the row writer the executor would use for it (`_row_writer`).

Everything else goes to graphql-core: a variable that does not coerce before anything ran (the
whole operation then runs through `execute`, which reports it); and once the resolver ran, an
error it raised or a value the row writer does not write (a None, an object it cannot read) is
handed to a `BasaltExecutor` built then, which completes the value, locates the error and builds
the response exactly as if it had executed the field itself.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from typing import Any

from graphql import ExecutionResult, GraphQLField, GraphQLObjectType, GraphQLResolveInfoHelpers, get_nullable_type
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.language import OperationType
from graphql.pyutils import Path, gather_with_cancel
from strawberry import Schema
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import _OperationContextAwareGraphQLResolveInfo

from schema.execution import BasaltExecutor, settle_in_background
from schema.prepared import Prepared, coerce_variables
from schema.rows import RowWriter


def _gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
    return gather_with_cancel(*values)


# What a resolver's `info.async_helpers` offers without an executor: gathering as graphql-core
# does, and work tracked past the answer settled in the background (as for an executor already freed).
HELPERS = GraphQLResolveInfoHelpers(gather=_gather, track=settle_in_background)

CALLS = 4096
# By prepared operation (which keeps its document, so the nodes stay the same); None: not eligible.
_calls: OrderedDict[int, tuple[Prepared, "RootCall | None"]] = OrderedDict()


class RootCall:
    """The root field of one prepared operation (see the module docstring)."""

    def __init__(
        self, schema: Schema, prepared: Prepared, root_type: GraphQLObjectType, response_name: str, details: Any, field_def: GraphQLField,
        write: RowWriter,
    ) -> None:
        self.schema = schema
        self.prepared = prepared
        self.root_type = root_type
        self.response_name = response_name
        self.details = details
        self.field_def = field_def
        self.node = details[0].node
        self.field_nodes = to_nodes(details)
        self.path = Path(None, response_name, root_type.name)
        self.resolve = field_def.resolve
        self.has_arguments = bool(field_def.args or self.node.arguments)
        object_type = get_nullable_type(field_def.type)
        self.is_type_of = object_type.is_type_of
        self.write = write
        operation = prepared.operation
        self.operation_name = operation.name.value if operation.name is not None else None

    def run(self, variables: dict[str, Any] | None, context: Any) -> ExecutionResult | Awaitable[ExecutionResult] | None:
        """The field's result, or None (before anything ran) when graphql-core must execute it."""
        values = coerce_variables(self.prepared, variables or {})
        if values is None:
            return None
        info = _OperationContextAwareGraphQLResolveInfo(
            self.node.name.value, self.field_nodes, self.field_def.type, self.root_type, self.path, self.schema._schema,
            self.prepared.fragment_definitions, None, self.prepared.operation, values.coerced, context, optimized_is_awaitable,
            None, HELPERS, None,
        )
        try:
            arguments = (
                get_argument_values(self.field_def, self.node, values, self.details[0].fragment_variable_values, False)
                if self.has_arguments else {}
            )
            value = self.resolve(None, info, **arguments)  # type: ignore[misc]
        except Exception as error:
            return self._executor(variables, context).field_error(self, error)
        if optimized_is_awaitable(value):
            return self._finish(value, info, variables, context)
        return self._answer(value, info, variables, context)

    async def _finish(self, pending: Awaitable[Any], info: Any, variables: dict[str, Any] | None, context: Any) -> ExecutionResult:
        try:
            value = await pending
        except Exception as error:
            return self._executor(variables, context).field_error(self, error)
        answer = self._answer(value, info, variables, context)
        return await answer if optimized_is_awaitable(answer) else answer  # type: ignore[misc]

    def _answer(self, value: Any, info: Any, variables: dict[str, Any] | None, context: Any) -> Any:
        if value is not None and (self.is_type_of is None or self.is_type_of(value, info) is True):
            row = self.write(value)
            if row is not None:
                return ExecutionResult({self.response_name: row}, None)
        return self._executor(variables, context).complete_root(self, value)

    def _executor(self, variables: dict[str, Any] | None, context: Any) -> BasaltExecutor:
        executor = BasaltExecutor.build(
            self.schema._schema, self.prepared.document, None, context, variables, self.operation_name, is_awaitable=optimized_is_awaitable
        )
        assert isinstance(executor, BasaltExecutor), executor  # the variables coerced before
        return executor


def root_call(schema: Schema, prepared: Prepared) -> RootCall | None:
    """The operation's `RootCall`, worked out on first use; None when it does not qualify."""
    found = _calls.get(id(prepared))
    if found is not None and found[0] is prepared:
        return found[1]
    call = _root_call(schema, prepared)
    _calls[id(prepared)] = (prepared, call)  # keeps the prepared operation, so its id stays its own
    while len(_calls) > CALLS:
        _calls.popitem(last=False)
    return call


def _root_call(schema: Schema, prepared: Prepared) -> RootCall | None:
    """A query or mutation of Basalt's executor, without directives, whose one root field has a
    resolver and an object type that the row writer writes."""
    if schema.execution_context_class is not BasaltExecutor or not prepared.static:
        return None
    if prepared.operation.operation not in (OperationType.QUERY, OperationType.MUTATION):
        return None
    template = BasaltExecutor(
        prepared.schema, prepared.fragment_definitions, prepared.fragments, None, None, prepared.operation,
        None, None, None, None, is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
    )
    template.static_selections = True
    if not template._shortcut_applies():
        return None
    single = template._single_root_field()
    if single is None:
        return None
    root_type, response_name, details = single
    field_def = prepared.schema.get_field(root_type, details[0].node.name.value)
    if field_def is None or field_def.resolve is None:
        return None
    object_type = get_nullable_type(field_def.type)
    if not isinstance(object_type, GraphQLObjectType):
        return None
    write = template._row_writer(object_type, details)
    if write is None:
        return None
    return RootCall(schema, prepared, root_type, response_name, details, field_def, write)

