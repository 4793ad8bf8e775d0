"""Execution: graphql-core's executor with a shortcut for plain leaf fields.

graphql-core resolves every field through the same machinery (resolve info, argument values,
awaitable checks, completion), about 4 µs per field. Most fields we serve are plain attributes
with a scalar type: a page of 20 objects with 9 such fields is 180 trips through it. For those
fields this executor reads the attribute and serialises it directly. Anything unusual (a None
for a non-null field, a serialiser that refuses the value, an exception) goes through the
regular path for that field, so errors and results are exactly what graphql-core produces.
A list of such objects is completed in one loop, each row written by `schema.rows` (by a
function compiled once per document when its selections cannot change).

Plans are keyed by the document's field nodes, which the parse cache keeps the same for the same
query text, so a plan is built once per query and field set, not per request or per event.
Subscriptions execute the selection once per event, on a shallow copy of the executor, and the root field of an event skips graphql-core's per-event re-coercion of the
subscription's arguments (Strawberry's root resolver for an event ignores them: it returns the
event itself). And when the event object says its fields do not depend on who asks
(`basalt_shared_result`), subscriptions with the same document and variables share one result
per event: a hundred subscribers of a channel cost one execution, not a hundred.
"""

from __future__ import annotations

import asyncio
import inspect
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    Undefined,
    assert_valid_schema,
    get_nullable_type,
    is_non_null_type,
)
from graphql.error import GraphQLError
from graphql.execution.collect_fields import collect_fields
from graphql.execution.executor import default_field_resolver, default_type_resolver, to_nodes
from graphql.language import OperationType
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema import direct_delivery
from schema.prepared import coerce_variables, prepare
from schema.rows import (
    LeafField,
    NestedField,
    RowWriter,
    Shape,
    StrawberryDefinition,
    compile_row,
    leaf_of,
    leaf_value,
    nested_value,
    shaped_row,
)

if TYPE_CHECKING:
    from schema.root_call import RootCall

MAX_SHAPE_DEPTH = 4  # plain objects nested deeper take the regular path

# Per schema field, for the life of the process (fields live as long as their schema; the
# field itself is kept in the entry so its id cannot be reused).
_LEAVES: dict[int, tuple[GraphQLField, "LeafField | None"]] = {}
_NESTED: dict[int, tuple[GraphQLField, "GraphQLObjectType | None"]] = {}

# Recent subscription results, by (event, operation, variables); the entry keeps the event and the
# operation, so their ids cannot be reused while it lives.
SHARED_RESULTS = 256
_shared: OrderedDict[tuple[int, int, str], tuple[Any, Any, ExecutionResult]] = OrderedDict()

Plan = list[tuple[str, Any, "LeafField | NestedField | None"]]  # (response name, field details, shortcut or None)

# Plans by (parent type, shortcut allowed, the grouped field set's nodes), shared by all requests:
# parsed documents are cached by query text, so the same query brings the same nodes. Oldest out
# first; a plan's field details are plain AST references, the same whichever request collected them.
PLANS = 4096
_PLANS: OrderedDict[tuple[int, bool, tuple[int, ...]], tuple[GraphQLObjectType, Any, "Plan | None"]] = OrderedDict()
_SUBFIELDS: OrderedDict[tuple[int, tuple[int, ...]], tuple[GraphQLObjectType, Any, Any]] = OrderedDict()
_ROOT_FIELDS: OrderedDict[tuple[int, int], tuple[GraphQLObjectType, Any, "tuple[str, Any] | None"]] = OrderedDict()
_WRITERS: OrderedDict[tuple[int, bool, tuple[int, ...]], tuple[GraphQLObjectType, Any, "RowWriter | None"]] = OrderedDict()


@dataclass(frozen=True)
class _Answered:
    """Stands in for a per-event executor when the event's shared result exists: graphql-core
    only asks it to execute the operation."""

    result: ExecutionResult

    def execute_operation(self, serially: bool | None = None) -> ExecutionResult:
        return self.result


class BasaltExecutor(StrawberryGraphQLCoreExecutionContext):
    static_selections = False  # set by `build` from `Prepared.static`

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = _helpers_without_cycle(self)
        self._subscription: dict[str, str] = {}
        if self.operation.operation == OperationType.SUBSCRIPTION:
            direct_delivery.claim(self)  # its transport may execute and write events directly

    @classmethod
    def build(  # type: ignore[override]
        cls,
        schema: Any,
        document: Any,
        root_value: Any = None,
        context_value: Any = None,
        raw_variable_values: dict[str, Any] | None = None,
        operation_name: str | None = None,
        field_resolver: Any = None,
        type_resolver: Any = None,
        subscribe_field_resolver: Any = None,
        max_coercion_errors: int = 50,
        enable_early_execution: bool = False,
        middleware: Any = None,
        is_awaitable: Any = None,
        is_async_iterable: Any = None,
        **custom_args: Any,
    ) -> Any:
        """graphql-core's `build` with the document's operation, fragments and variable types
        worked out once per document (`schema.prepared`); graphql-core's own whenever anything
        is unusual, errors included."""
        assert_valid_schema(schema)
        prepared = prepare(schema, document, operation_name) if middleware is None else None
        variable_values = coerce_variables(prepared, raw_variable_values or {}) if prepared is not None else None
        if prepared is None or variable_values is None:
            return super().build(
                schema, document, root_value, context_value, raw_variable_values, operation_name, field_resolver, type_resolver,
                subscribe_field_resolver, max_coercion_errors, enable_early_execution, middleware, is_awaitable, is_async_iterable,
                **custom_args,
            )
        executor = cls(
            schema, prepared.fragment_definitions, prepared.fragments, root_value, context_value, prepared.operation,
            variable_values, field_resolver or default_field_resolver, type_resolver or default_type_resolver,
            subscribe_field_resolver or default_field_resolver, enable_early_execution, None, is_awaitable, is_async_iterable,
            **custom_args,
        )
        executor.static_selections = prepared.static
        return executor

    def collect_subfields(self, return_type: GraphQLObjectType, field_details_list: Any) -> Any:
        """graphql-core's, which memoizes per request, and across requests for a document without
        directives (`Prepared.static`): then the fields an object selects depend only on its type
        and the field nodes, which the parse cache keeps the same for the same query text."""
        key = (return_type, id(field_details_list))
        local = self._relevant_sub_fields.get(key)
        if local is not None:
            return local[1]
        if not self.static_selections:
            return super().collect_subfields(return_type, field_details_list)
        shared_key = (id(return_type), tuple(id(details.node) for details in field_details_list))
        shared = _SUBFIELDS.get(shared_key)
        if shared is not None and shared[0] is return_type:
            collected = shared[2]
        else:
            collected = super().collect_subfields(return_type, field_details_list)
            _SUBFIELDS[shared_key] = (return_type, field_details_list, collected)  # keeps the type and the nodes alive
            if len(_SUBFIELDS) > PLANS:
                _SUBFIELDS.popitem(last=False)
        self._relevant_sub_fields[key] = (field_details_list, collected)
        return collected

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, grouped_field_set)
        if plan is None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for response_name, details, leaf in plan:
                kind = type(leaf)
                if kind is LeafField:
                    value = leaf_value(leaf, source_value)
                elif kind is NestedField:
                    value = self._nested_value(leaf, source_value)  # type: ignore[arg-type]
                else:
                    value = Undefined
                if value is Undefined:
                    field_path = Path(path, response_name, parent_type.name)
                    value = self.execute_field(parent_type, source_value, details, field_path, position_context)
                    if value is Undefined:
                        continue
                    if self.is_awaitable(value):
                        pending.append(response_name)
                results[response_name] = value
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending:
            return results
        return self._gather(results, pending)

    def collect_and_execute_subfields(
        self, return_type: GraphQLObjectType, field_details_list: Any, path: Path, result: Any, position_context: Any
    ) -> Any:
        """An object whose selected fields are all plain (a mutation's answer, a get's object) is
        written by the row writer lists use, in one call instead of a trip per field; anything it
        cannot write whole (None from it) goes graphql-core's way, errors included."""
        write = self._row_writer(return_type, field_details_list)
        if write is not None:
            row = write(result)
            if row is not None:
                return row
        return super().collect_and_execute_subfields(return_type, field_details_list, path, result, position_context)

    def _nested_value(self, field: NestedField, source: Any) -> Any:
        """A plain object of plain fields (a connection's `pageInfo`) written in place by the row
        writer lists use; Undefined for the regular path, which then answers it (errors included)."""
        write = self._row_writer(field.object_type, field.details)
        return Undefined if write is None else nested_value(field, write, source)

    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: GraphQLResolveInfo,
        path: Path,
        items: Any,
        position_context: Any,
    ) -> Any:
        rows = self._leaf_rows(item_type, field_details_list, info, items)
        if rows is not None:
            return rows
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)

    def _leaf_rows(self, item_type: Any, field_details_list: Any, info: GraphQLResolveInfo, items: Any) -> list[Any] | None:
        """A list of objects of which only plain fields are selected, leaves or plain objects
        of leaves (a REST page's `results`, a connection's `edges { cursor node { … } }`),
        completed in one loop: graphql-core completes each item and each nested object through
        five calls before it reaches the fields. None whenever anything needs the regular path
        (a directive, a null or awaitable item, a value the shortcut cannot serialise): it then
        completes the whole list, with graphql-core's results and errors."""
        object_type = get_nullable_type(item_type)
        if not isinstance(object_type, GraphQLObjectType) or not isinstance(items, list):
            return None
        write = self._row_writer(object_type, field_details_list)
        if write is None:
            return None
        is_type_of = object_type.is_type_of
        rows: list[Any] = []
        for item in items:
            if item is None or (is_type_of is not None and is_type_of(item, info) is not True):
                return None
            row = write(item)
            if row is None:
                return None
            rows.append(row)
        return rows

    def _row_writer(self, object_type: GraphQLObjectType, field_details_list: Any) -> RowWriter | None:
        """How the one loop writes each item: compiled once per document and selection when the
        selections cannot change (`static_selections`: no directives), else interpreted from the
        shape collected for this request's variables."""
        if not self.static_selections:
            shape = self._shape(object_type, field_details_list)
            return None if shape is None else partial(shaped_row, shape)
        key = (id(object_type), self._shortcut_applies(), tuple(id(details.node) for details in field_details_list))
        cached = _WRITERS.get(key)
        if cached is not None and cached[0] is object_type:
            return cached[2]
        shape = self._shape(object_type, field_details_list)
        write = None if shape is None else compile_row(shape)
        _WRITERS[key] = (object_type, field_details_list, write)  # keeps the type and the nodes, so their ids stay theirs
        if len(_WRITERS) > PLANS:
            _WRITERS.popitem(last=False)
        return write

    def _shape(self, object_type: GraphQLObjectType, field_details_list: Any, depth: int = 0) -> Shape | None:
        """What the one loop writes for each object of `object_type` selected by these field
        nodes; None unless every selected field is a plain leaf or a plain object of such."""
        if depth > MAX_SHAPE_DEPTH or any(details.node.directives for details in field_details_list):
            return None  # @stream, @include and the like
        grouped_field_set, defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        if defer_usages:
            return None
        plan = self._plan(object_type, grouped_field_set)
        if plan is None:
            return None
        shape: Shape = []
        for response_name, _, field in plan:
            if field is None:
                return None
            if type(field) is NestedField:
                inner = self._shape(field.object_type, field.details, depth + 1)
                if inner is None:
                    return None
                shape.append((response_name, (field, inner)))
            else:
                shape.append((response_name, field))
        return shape

    async def _gather(self, results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
        """As graphql-core does: await the pending fields together (dataloaders batch them)."""
        if len(pending) == 1:
            results[pending[0]] = await results[pending[0]]
        else:
            results.update(zip(pending, await gather_with_cancel(*(results[name] for name in pending)), strict=True))
        return results

    def build_per_event_executor(self, payload: Any) -> Any:
        """An event whose result identical subscriptions already share needs no executor copy."""
        shared = self._shared_result(payload)
        if shared is not None:
            return _Answered(shared)
        return super().build_per_event_executor(payload)

    def _shared_result(self, event: Any) -> ExecutionResult | None:
        if self.operation.operation != OperationType.SUBSCRIPTION or not getattr(type(event), "basalt_shared_result", False):
            return None
        found = _shared.get((id(event), id(self.operation), self._variables_key()))
        if found is not None and found[0] is event and found[1] is self.operation:
            return ExecutionResult(data=found[2].data)
        return None

    def execute_operation(self, serially: bool | None = None) -> Any:
        event = self.root_value
        if self.operation.operation != OperationType.SUBSCRIPTION:
            single = self._single_root_field()
            if single is not None:
                return self._execute_single_root_field(*single)
            return super().execute_operation(serially)
        if not getattr(type(event), "basalt_shared_result", False):
            return super().execute_operation(serially)
        shared = self._shared_result(event)
        if shared is not None:
            return shared
        key = (id(event), id(self.operation), self._variables_key())
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            return self._share_when_done(key, event, result)
        self._share(key, event, result)
        return result

    async def _share_when_done(self, key: tuple[int, int, str], event: Any, pending: Any) -> Any:
        result = await pending
        self._share(key, event, result)
        return result

    def _share(self, key: tuple[int, int, str], event: Any, result: Any) -> None:
        if isinstance(result, ExecutionResult) and not result.errors:  # errors are reported per subscriber
            _shared[key] = (event, self.operation, result)
            if len(_shared) > SHARED_RESULTS:
                _shared.popitem(last=False)

    def _single_root_field(self) -> tuple[GraphQLObjectType, str, Any] | None:
        """The one root field of a query or mutation whose selections cannot change (no
        directives, so no @defer either), its collection kept per operation across requests;
        None for anything else, which graphql-core's `execute_operation` runs."""
        if not self.static_selections or self.abort_signal is not None:
            return None
        root_type = self.schema.get_root_type(self.operation.operation)
        if root_type is None:
            return None
        key = (id(root_type), id(self.operation))
        cached = _ROOT_FIELDS.get(key)
        if cached is None or cached[0] is not root_type or cached[1] is not self.operation:
            grouped_field_set, defer_usages, _ = collect_fields(self.schema, self.fragments, self.variable_values, root_type, self.operation)
            single = None if defer_usages or len(grouped_field_set) != 1 else next(iter(grouped_field_set.items()))
            cached = _ROOT_FIELDS[key] = (root_type, self.operation, single)  # keeps both, so their ids stay theirs
            if len(_ROOT_FIELDS) > PLANS:
                _ROOT_FIELDS.popitem(last=False)
        if cached[2] is None:
            return None
        return root_type, cached[2][0], cached[2][1]

    def _execute_single_root_field(self, root_type: GraphQLObjectType, response_name: str, details: Any) -> Any:
        """graphql-core's `execute_operation` for one root field, run or awaited as it does
        (serially or not is the same for one field), without its reducer and closures."""
        try:
            result = self.execute_field(root_type, self.root_value, details, Path(None, response_name, root_type.name), None)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.build_response(None)
        if self.is_awaitable(result):
            return self._await_single_root_field(response_name, result)
        return self.build_response({} if result is Undefined else {response_name: result})

    async def _await_single_root_field(self, response_name: str, pending: Any) -> Any:
        try:
            value = await pending
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.build_response(None)
        except Exception:
            await self.cancel_incremental_work()
            self.run_async_work_finished_hook()
            raise
        return self.build_response({response_name: value})

    def field_error(self, call: RootCall, raw_error: Exception) -> ExecutionResult:
        """The response when the root field of `call` failed with `raw_error` (its resolver, or
        completing its value): located, and null propagated, as `execute_field` does."""
        try:
            self.handle_field_error(raw_error, call.field_def.type, call.details, call.path)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.build_response(None)
        return self.build_response({call.response_name: None})

    def complete_root(self, call: RootCall, value: Any) -> ExecutionResult | Awaitable[ExecutionResult]:
        """The response for the root field of `call`, which resolved to `value`: completed as
        `execute_field` completes a resolver's value."""
        info = self.build_resolve_info(call.field_def, call.field_nodes, call.root_type, call.path)
        try:
            completed = self.complete_value(call.field_def.type, call.details, info, call.path, value, None)
        except Exception as raw_error:
            return self.field_error(call, raw_error)
        if self.is_awaitable(completed):
            return self._complete_root_later(call, completed)
        return self.build_response({call.response_name: completed})

    async def _complete_root_later(self, call: RootCall, completed: Awaitable[Any]) -> ExecutionResult:
        try:
            value = await completed
        except Exception as raw_error:
            return self.field_error(call, raw_error)
        return self.build_response({call.response_name: value})

    def _variables_key(self) -> str:
        """The subscription's coerced variables as text, computed once (per-event executors are
        shallow copies: they share `_subscription`)."""
        key = self._subscription.get("variables")
        if key is None:
            values = self.variable_values
            coerced = values.coerced if values is not None else {}
            key = self._subscription["variables"] = repr(sorted(coerced.items()))
        return key

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list: Any, path: Path, position_context: Any) -> Any:
        if path.prev is not None or self.operation.operation != OperationType.SUBSCRIPTION or not self._shortcut_applies():
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
        if field_def is None or field_def.subscribe is None:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        # An event of a subscription: the root value is the event, which Strawberry's resolver returns as is.
        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)
        try:
            completed = self.complete_value(field_def.type, field_details_list, info, path, source, position_context)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed
        return self._await_event_field(completed, field_def, field_details_list, path)

    async def _await_event_field(self, completed: Any, field_def: GraphQLField, field_details_list: Any, path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, field_details_list, path)
            return None

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        """Per grouped field set, keyed by its field nodes: the same for every row of a list, every
        event of a subscription and every request with the same document (`_PLANS`)."""
        shortcut = self._shortcut_applies()
        key = (id(parent_type), shortcut, tuple(id(details[0].node) for details in grouped_field_set.values()))
        cached = _PLANS.get(key)
        if cached is not None and cached[0] is parent_type:
            return cached[2]
        plan: Plan | None = None
        if shortcut:
            plan = []
            for response_name, details in grouped_field_set.items():
                field_def = self.schema.get_field(parent_type, details[0].node.name.value)
                plan.append((response_name, details, _leaf_field(field_def, details) or _nested_field(field_def, details)))
            if not any(field for _, _, field in plan):
                plan = None
        _PLANS[key] = (parent_type, grouped_field_set, plan)  # keeps the type and the nodes, so their ids stay theirs
        if len(_PLANS) > PLANS:
            _PLANS.popitem(last=False)
        return plan

    def _shortcut_applies(self) -> bool:
        """Not with resolver middleware, nor a default resolver other than `getattr`."""
        if self.middleware_manager and getattr(self.middleware_manager, "middlewares", None):
            return False
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        return strawberry_schema is None or strawberry_schema.config.default_resolver is getattr


def _leaf_field(field_def: GraphQLField | None, details: Any) -> LeafField | None:
    """The shortcut applies to Strawberry fields without resolver or extensions, no arguments,
    and a scalar or enum type (not a list)."""
    if field_def is None or any(d.node.arguments for d in details):
        return None
    cached = _LEAVES.get(id(field_def))
    if cached is None or cached[0] is not field_def:
        cached = _LEAVES[id(field_def)] = (field_def, leaf_of(field_def))
    return cached[1]


def _nested_field(field_def: GraphQLField | None, details: Any) -> NestedField | None:
    """A Strawberry field without resolver, extensions or arguments whose type is an object
    type that takes any source (no `is_type_of`: it implements no interface)."""
    if field_def is None or any(d.node.arguments for d in details):
        return None
    cached = _NESTED.get(id(field_def))
    if cached is None or cached[0] is not field_def:
        cached = _NESTED[id(field_def)] = (field_def, _nested_type_of(field_def))
    object_type = cached[1]
    if object_type is None:
        return None
    definition = field_def.extensions[StrawberryDefinition]  # type: ignore[index]
    return NestedField(definition.python_name, is_non_null_type(field_def.type), object_type, details)


def _nested_type_of(field_def: GraphQLField) -> GraphQLObjectType | None:
    definition = (field_def.extensions or {}).get(StrawberryDefinition)
    if definition is None or not definition.is_basic_field or definition.is_async:
        return None
    object_type = get_nullable_type(field_def.type)
    if not isinstance(object_type, GraphQLObjectType) or object_type.is_type_of is not None:
        return None
    return object_type


_orphans: set[asyncio.Future[Any]] = set()  # settled work tracked after its executor was freed


def _helpers_without_cycle(executor: BasaltExecutor) -> GraphQLResolveInfoHelpers:
    """graphql-core's resolver helpers, without the reference cycle its bound methods make
    (executor -> helpers -> executor): that cycle took the context, the request and everything
    they hold to the cyclic garbage collector, about 75 objects per request, 2 to 4% of a list's
    CPU. Work tracked after the executor was freed is still settled in the background."""
    ref = weakref.ref(executor)

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        alive = ref()
        return alive.gather_async_work(values) if alive is not None else gather_with_cancel(*values)

    def track(values: Sequence[Any]) -> None:
        alive = ref()
        if alive is not None:
            alive.track_async_work(values)
            return
        settle_in_background(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


def settle_in_background(values: Sequence[Any]) -> None:
    """Await the awaitables among `values` in the background, keeping their errors to themselves:
    work tracked when no executor waits for it any more."""
    pending = [value for value in values if inspect.isawaitable(value)]
    if pending:
        future = asyncio.gather(*pending, return_exceptions=True)
        _orphans.add(future)
        future.add_done_callback(_orphans.discard)
