"""BasaltExecutor answers exactly as graphql-core's stock executor does, only faster.

Every story builds one small self-contained Strawberry schema twice (with `BasaltExecutor` and
with Strawberry's stock execution context), runs the same query on both and compares the data
and the errors (message, path, locations). No database is involved.
"""

from __future__ import annotations

import asyncio
import gc
import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from collections.abc import AsyncGenerator
from typing import Any, ClassVar, NewType

import pytest
import strawberry
from graphql import GraphQLError, parse
from strawberry.dataloader import DataLoader
from strawberry.extensions import ParserCache
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionResult

from schema.execution import BasaltExecutor
from schema.operations import execute_document

ROWS = 20
EPOCH = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)

Outcome = tuple[Any, list[tuple[str, list[str | int] | None, list[tuple[int, int]]]]]


def build_pair(query: type, types: list[type] | None = None) -> tuple[strawberry.Schema, strawberry.Schema]:
    """The same schema twice: Basalt's executor first, Strawberry's stock one second."""
    extra = types or []
    basalt = strawberry.Schema(query=query, types=extra, execution_context_class=BasaltExecutor)
    stock = strawberry.Schema(query=query, types=extra)
    return basalt, stock


def outcome(result: ExecutionResult) -> Outcome:
    """What a client sees: the data and, per error, its message, path and locations."""
    errors: list[GraphQLError] = result.errors or []
    return result.data, [
        (error.message, error.path, [(loc.line, loc.column) for loc in error.locations or []]) for error in errors
    ]


async def run_both(
    query: type,
    document: str,
    *,
    types: list[type] | None = None,
    variables: dict[str, Any] | None = None,
) -> tuple[Outcome, Outcome]:
    """Execute `document` on both schemas and return both outcomes (Basalt's first)."""
    basalt, stock = build_pair(query, types)
    fast = await basalt.execute(document, variable_values=variables)
    slow = await stock.execute(document, variable_values=variables)
    return outcome(fast), outcome(slow)


# --- Story 1: plain scalar fields -----------------------------------------------------------


@strawberry.enum
class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


@strawberry.type
class Plain:
    id: strawberry.ID
    name: str
    count: int
    ratio: float
    active: bool
    created_at: datetime
    color: Color
    payload: JSON
    note: str | None = None


def plain_rows() -> list[Plain]:
    colors = list(Color)
    return [
        Plain(
            id=strawberry.ID(str(i)),
            name=f"item-{i}",
            count=i * 10,
            ratio=i / 4,
            active=i % 2 == 0,
            created_at=EPOCH + timedelta(hours=i),
            color=colors[i % 3],
            payload={"tags": ["a", i], "nested": {"ok": i % 2 == 1}},
            note=f"note {i}" if i % 3 == 0 else None,
        )
        for i in range(ROWS)
    ]


@strawberry.type
class PlainQuery:
    @strawberry.field
    def items(self) -> list[Plain]:
        return plain_rows()


PLAIN_QUERY = """
{
  items {
    id name count ratio active createdAt color payload note
    label: name
    tally: count
    again: color
  }
}"""


async def test_plain_scalar_fields_match_stock_and_expected_values() -> None:
    """Scalars, ID, datetime, enum, optional and JSON fields (with aliases) on 20 rows: same data."""
    fast, slow = await run_both(PlainQuery, PLAIN_QUERY)

    assert fast == slow
    data, errors = fast
    assert errors == []
    assert len(data["items"]) == ROWS
    assert data["items"][3] == {
        "id": "3",
        "name": "item-3",
        "count": 30,
        "ratio": 0.75,
        "active": False,
        "createdAt": "2024-01-01T15:00:00+00:00",
        "color": "RED",
        "payload": {"tags": ["a", 3], "nested": {"ok": True}},
        "note": "note 3",
        "label": "item-3",
        "tally": 30,
        "again": "RED",
    }
    assert data["items"][4]["note"] is None
    assert data["items"][4]["color"] == "GREEN"
    assert list(data["items"][0]) == [
        "id", "name", "count", "ratio", "active", "createdAt", "color", "payload", "note", "label", "tally", "again",
    ]  # fmt: skip


# --- Story 2: a non-null field that is None at runtime --------------------------------------


@strawberry.type
class Person:
    id: int
    name: str
    nickname: str | None = None


@strawberry.type
class NullQuery:
    @strawberry.field
    def people(self) -> list[Person | None]:
        return [Person(id=i, name=None if i == 2 else f"p{i}") for i in range(5)]  # type: ignore[arg-type]

    @strawberry.field
    def boss(self) -> Person:
        return Person(id=99, name=None)  # type: ignore[arg-type]


async def test_non_null_field_none_gives_same_error_and_null_propagation() -> None:
    """A `String!` attribute that is None: same error, and the row (or the whole data) becomes null."""
    fast, slow = await run_both(NullQuery, "{ people { id name nickname } }")

    assert fast == slow
    data, errors = fast
    assert errors == [("Cannot return null for non-nullable field Person.name.", ["people", 2, "name"], [(1, 15)])]
    assert data["people"][2] is None
    assert data["people"][1] == {"id": 1, "name": "p1", "nickname": None}

    fast_root, slow_root = await run_both(NullQuery, "{ boss { id name } }")
    assert fast_root == slow_root
    assert fast_root[0] is None
    assert fast_root[1] == [("Cannot return null for non-nullable field Person.name.", ["boss", "name"], [(1, 13)])]


# --- Story 3: resolvers and arguments mixed with plain leaf fields --------------------------


@strawberry.type
class Mixed:
    id: int
    title: str

    @strawberry.field
    def shout(self) -> str:
        return self.title.upper()

    @strawberry.field
    async def slow_title(self) -> str:
        await asyncio.sleep(0)
        if self.id == 4:
            raise ValueError(f"cannot load title of {self.id}")
        return f"slow {self.title}"

    @strawberry.field
    def padded(self, width: int = 8, fill: str = ".") -> str:
        return self.title.ljust(width, fill)


@strawberry.type
class MixedQuery:
    @strawberry.field
    def rows(self) -> list[Mixed]:
        return [Mixed(id=i, title=f"t{i}") for i in range(6)]


async def test_resolvers_and_arguments_mixed_with_leaf_fields() -> None:
    """Sync/async resolvers and an argument field among plain leaves: same data and same error."""
    document = """
    {
      rows {
        id
        shout
        title
        slowTitle
        padded(width: 5, fill: "-")
        short: padded(width: 2)
        same: title
      }
    }"""
    fast, slow = await run_both(MixedQuery, document)

    assert fast == slow
    data, errors = fast
    assert errors == [("cannot load title of 4", ["rows", 4, "slowTitle"], [(7, 9)])]
    assert data is None  # `slowTitle: String!` nulls the row, and `[Mixed!]!` carries it up to the root
    fast_ok, slow_ok = await run_both(MixedQuery, "{ rows { id shout title padded(width: 4, fill: \"*\") } }")
    assert fast_ok == slow_ok
    assert fast_ok[0]["rows"][1] == {"id": 1, "shout": "T1", "title": "t1", "padded": "t1**"}


@strawberry.type
class NullableMixed:
    id: int
    title: str

    @strawberry.field
    async def slow_title(self) -> str | None:
        await asyncio.sleep(0)
        if self.id % 2:
            raise RuntimeError(f"row {self.id} failed")
        return f"slow {self.title}"


@strawberry.type
class NullableMixedQuery:
    @strawberry.field
    def rows(self) -> list[NullableMixed]:
        return [NullableMixed(id=i, title=f"t{i}") for i in range(4)]


async def test_async_resolver_error_on_nullable_field_keeps_the_leaves() -> None:
    """An async resolver raising on a nullable field: same errors, and the plain leaves are kept."""
    fast, slow = await run_both(NullableMixedQuery, "{ rows { id slowTitle title } }")

    assert fast == slow
    data, errors = fast
    assert [(message, path) for message, path, _ in errors] == [
        ("row 1 failed", ["rows", 1, "slowTitle"]),
        ("row 3 failed", ["rows", 3, "slowTitle"]),
    ]
    assert data["rows"][1] == {"id": 1, "slowTitle": None, "title": "t1"}
    assert data["rows"][2] == {"id": 2, "slowTitle": "slow t2", "title": "t2"}


# --- Story 4: nesting, fragments, directives, __typename ------------------------------------


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class Author(Node):
    name: str
    born: int | None = None


@strawberry.type
class Book(Node):
    title: str
    pages: int
    author: Author
    coauthors: list[Author] = field(default_factory=list)


@strawberry.type
class Shelf:
    label: str
    books: list[Book]


def library() -> list[Shelf]:
    authors = [
        Author(id=strawberry.ID(f"a{i}"), name=f"Author {i}", born=1900 + i if i % 2 else None) for i in range(4)
    ]
    return [
        Shelf(
            label=f"shelf-{s}",
            books=[
                Book(
                    id=strawberry.ID(f"b{s}-{b}"),
                    title=f"Book {s}.{b}",
                    pages=100 + 10 * b,
                    author=authors[(s + b) % 4],
                    coauthors=authors[: b % 3],
                )
                for b in range(5)
            ],
        )
        for s in range(3)
    ]


@strawberry.type
class NestedQuery:
    @strawberry.field
    def shelves(self) -> list[Shelf]:
        return library()

    @strawberry.field
    def nodes(self) -> list[Node]:
        shelf = library()[0]
        return [shelf.books[0], shelf.books[0].author, shelf.books[1]]


NESTED_QUERY = """
query Nested($withPages: Boolean!, $skipBorn: Boolean!) {
  shelves {
    __typename
    label
    books {
      ...BookBits
      pages @include(if: $withPages)
      author { ...AuthorBits born @skip(if: $skipBorn) }
      coauthors { __typename name }
    }
  }
  nodes {
    __typename
    id
    ... on Book { title author { name } }
    ... on Author { name born }
  }
}

fragment BookBits on Book { __typename id title pages @skip(if: true) }
fragment AuthorBits on Author { id name }
"""


@pytest.mark.parametrize(("with_pages", "skip_born"), [(True, False), (False, True)])
async def test_nested_objects_fragments_and_directives(with_pages: bool, skip_born: bool) -> None:
    """Nested objects and lists, fragments, @skip/@include and __typename: same data."""
    variables = {"withPages": with_pages, "skipBorn": skip_born}
    fast, slow = await run_both(NestedQuery, NESTED_QUERY, types=[Author, Book], variables=variables)

    assert fast == slow
    data, errors = fast
    assert errors == []
    book = data["shelves"][1]["books"][2]
    expected_author = {"id": "a3", "name": "Author 3"} | ({} if skip_born else {"born": 1903})
    assert book["__typename"] == "Book"
    assert book["title"] == "Book 1.2"
    assert ("pages" in book) is with_pages
    assert book["author"] == expected_author
    assert book["coauthors"] == [
        {"__typename": "Author", "name": "Author 0"},
        {"__typename": "Author", "name": "Author 1"},
    ]
    assert data["nodes"][1] == {"__typename": "Author", "id": "a0", "name": "Author 0", "born": None}
    assert data["nodes"][2] == {"__typename": "Book", "id": "b0-1", "title": "Book 0.1", "author": {"name": "Author 1"}}


# --- Story 5: dataloaders keep batching -----------------------------------------------------


@dataclass
class LoaderContext:
    """Per-request context: one DataLoader and the batches its load function received."""

    batches: list[list[int]] = field(default_factory=list)
    loader: DataLoader[int, str] = field(init=False)

    def __post_init__(self) -> None:
        async def load(keys: list[int]) -> list[str]:
            self.batches.append(list(keys))
            return [f"v{key}" for key in keys]

        self.loader = DataLoader(load_fn=load)


@strawberry.type
class Loaded:
    id: int
    name: str

    @strawberry.field
    async def double(self, info: strawberry.Info) -> str:
        return await info.context.loader.load(self.id * 2)

    @strawberry.field
    async def triple(self, info: strawberry.Info) -> str:
        return await info.context.loader.load(self.id * 3 + 1000)


@strawberry.type
class LoaderQuery:
    @strawberry.field
    def rows(self) -> list[Loaded]:
        return [Loaded(id=i, name=f"n{i}") for i in range(ROWS)]


async def test_dataloader_fields_are_batched_once() -> None:
    """Two async DataLoader fields per row among plain leaves: one batch call, same data."""
    basalt, stock = build_pair(LoaderQuery)
    document = "{ rows { id double name triple } }"
    fast_context, slow_context = LoaderContext(), LoaderContext()

    fast = outcome(await basalt.execute(document, context_value=fast_context))
    slow = outcome(await stock.execute(document, context_value=slow_context))

    assert fast == slow
    assert fast[1] == []
    assert fast[0]["rows"][7] == {"id": 7, "double": "v14", "name": "n7", "triple": "v1021"}
    assert len(fast_context.batches) == 1
    assert len(slow_context.batches) == 1
    assert sorted(fast_context.batches[0]) == sorted({i * 2 for i in range(ROWS)} | {i * 3 + 1000 for i in range(ROWS)})


# --- Story 6: a custom scalar whose serialiser refuses some values --------------------------


def serialize_cents(value: int) -> str:
    if value < 0:
        raise ValueError(f"negative amount: {value}")
    return f"{value / 100:.2f}"


def serialize_code(value: str) -> str | None:
    return None if value == "" else value.upper()


Cents = strawberry.scalar(NewType("Cents", int), name="Cents", serialize=serialize_cents, parse_value=int)
Code = strawberry.scalar(NewType("Code", str), name="Code", serialize=serialize_code, parse_value=str)


@strawberry.type
class Invoice:
    id: int
    amount: Cents | None
    code: Code | None
    required_amount: Cents


@strawberry.type
class InvoiceQuery:
    @strawberry.field
    def invoices(self) -> list[Invoice | None]:
        return [
            Invoice(
                id=i,
                amount=-50 if i == 1 else 100 * i,  # type: ignore[arg-type]
                code="" if i == 2 else f"c{i}",  # type: ignore[arg-type]
                required_amount=-1 if i == 3 else 7,  # type: ignore[arg-type]
            )
            for i in range(5)
        ]


async def test_custom_scalar_serialize_errors_match_stock() -> None:
    """A serialiser raising (nullable and non-null field) or returning None: same errors and data."""
    fast, slow = await run_both(InvoiceQuery, "{ invoices { id amount code requiredAmount } }")

    assert fast == slow
    data, errors = fast
    assert [(message, path) for message, path, _ in errors] == [
        ("negative amount: -50", ["invoices", 1, "amount"]),
        (
            "Expected `Code.coerce_output_value('')` to return non-nullable value, returned: None",
            ["invoices", 2, "code"],
        ),
        ("negative amount: -1", ["invoices", 3, "requiredAmount"]),
    ]
    assert data["invoices"][0] == {"id": 0, "amount": "0.00", "code": "C0", "requiredAmount": "0.07"}
    assert data["invoices"][1] == {"id": 1, "amount": None, "code": "C1", "requiredAmount": "0.07"}
    assert data["invoices"][2]["code"] is None
    assert data["invoices"][3] is None


# --- The shortcut is taken -------------------------------------------------------------------


def count_execute_field(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[list[str | int]]]:
    """Record, per executor class, the path of every field sent through graphql-core's execute_field."""
    calls: dict[str, list[list[str | int]]] = {}
    original = StrawberryGraphQLCoreExecutionContext.execute_field

    def counting(self: Any, parent_type: Any, source: Any, details: Any, path: Any, position_context: Any) -> Any:
        calls.setdefault(type(self).__name__, []).append(path.as_list())
        return original(self, parent_type, source, details, path, position_context)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_field", counting)
    return calls


async def test_plain_leaf_fields_skip_execute_field(monkeypatch: pytest.MonkeyPatch) -> None:
    """On 20 rows of plain leaves only the root list field goes through execute_field with Basalt."""
    basalt, stock = build_pair(PlainQuery)
    fields_per_row = 12  # PLAIN_QUERY selects 9 fields and 3 aliases

    calls = count_execute_field(monkeypatch)
    fast = await basalt.execute(PLAIN_QUERY)
    slow = await stock.execute(PLAIN_QUERY)

    assert outcome(fast) == outcome(slow)
    assert calls["BasaltExecutor"] == [["items"]]
    assert len(calls["StrawberryGraphQLCoreExecutionContext"]) == 1 + ROWS * fields_per_row
    assert ["items", 19, "again"] in calls["StrawberryGraphQLCoreExecutionContext"]


async def test_fallback_only_for_unusual_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the root resolver and the values the serialisers refuse reach execute_field."""
    basalt, _ = build_pair(InvoiceQuery)

    calls = count_execute_field(monkeypatch)
    result = await basalt.execute("{ invoices { id amount code } }")

    assert result.errors is not None
    assert calls["BasaltExecutor"] == [["invoices"], ["invoices", 1, "amount"], ["invoices", 2, "code"]]


# --- Story 8: values graphql-core treats specially, and a custom default resolver -------------


@strawberry.type
class Odd:
    payload: JSON
    label: str | None


@strawberry.type
class Bag:
    values: JSON
    name: str


async def _awaitable_payload() -> dict[str, int]:
    return {"x": 1}


async def test_awaitable_and_exception_attribute_values_go_through_graphql_core() -> None:
    """An attribute holding a coroutine is awaited, one holding an exception is raised: as stock."""

    @strawberry.type
    class Query:
        @strawberry.field
        def odd(self) -> list[Odd]:
            return [Odd(payload=_awaitable_payload(), label="ok"), Odd(payload={"y": 2}, label=ValueError("boom"))]  # type: ignore[arg-type]

    fast, slow = await run_both(Query, "{ odd { payload label } }")

    assert fast == slow
    data, errors = fast
    assert data == {"odd": [{"payload": {"x": 1}, "label": "ok"}, {"payload": {"y": 2}, "label": None}]}
    assert [(message, path) for message, path, _ in errors] == [("boom", ["odd", 1, "label"])]


async def test_custom_default_resolver_disables_the_shortcut() -> None:
    """With `default_resolver=getitem` (dict sources) fields are read by key, not by attribute."""
    import operator

    from strawberry.schema.config import StrawberryConfig

    @strawberry.type
    class Query:
        @strawberry.field
        def bags(self) -> list[Bag]:
            return [{"values": [1, 2], "name": "a"}]  # type: ignore[list-item]

    config = StrawberryConfig(default_resolver=operator.getitem)
    basalt = strawberry.Schema(query=Query, config=config, execution_context_class=BasaltExecutor)
    stock = strawberry.Schema(query=Query, config=config)

    fast = outcome(await basalt.execute("{ bags { values name } }"))
    slow = outcome(await stock.execute("{ bags { values name } }"))

    assert fast == slow
    assert fast[0] == {"bags": [{"values": [1, 2], "name": "a"}]}


# --- subscriptions: every event executes the selection on a copy of the executor ---------------


@strawberry.type
class Tick:
    n: int
    label: str | None

    @strawberry.field
    def double(self) -> int:
        return self.n * 2

    @strawberry.field
    def required(self) -> int:
        return None  # type: ignore[return-value]  # a broken event: null for a non-null field


@strawberry.type
class TickQuery:
    hello: str = "hi"


@strawberry.type
class TickSubscription:
    @strawberry.subscription
    async def ticks(self, count: int, label: str = "x") -> AsyncGenerator[Tick, None]:
        for n in range(count):
            yield Tick(n=n, label=f"{label}{n}" if n % 2 else None)


async def subscription_outcomes(schema: strawberry.Schema, document: str, variables: dict[str, Any]) -> list[Outcome]:
    stream = await schema.subscribe(document, variable_values=variables)
    return [outcome(result) async for result in stream]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "document",
    [
        "subscription($c: Int!) { ticks(count: $c, label: \"t\") { n label double } }",
        "subscription($c: Int!) { ticks(count: $c) { n ...on Tick { label } } }",
        "subscription($c: Int!) { ticks(count: $c) { n required } }",
    ],
    ids=["leaves-and-resolver", "fragment", "null-in-a-non-null-field"],
)
async def test_subscription_events_answer_as_the_stock_executor_does(document: str) -> None:
    basalt = strawberry.Schema(query=TickQuery, subscription=TickSubscription, execution_context_class=BasaltExecutor)
    stock = strawberry.Schema(query=TickQuery, subscription=TickSubscription)
    ours = await subscription_outcomes(basalt, document, {"c": 4})
    assert len(ours) == 4
    assert ours == await subscription_outcomes(stock, document, {"c": 4})


# --- shared results: identical subscriptions execute an event once ------------------------------

CALLS: list[int] = []


@strawberry.type
class Shared:
    n: int
    basalt_shared_result: ClassVar[bool] = True

    @strawberry.field
    def counted(self) -> int:
        CALLS.append(self.n)
        return self.n * 10


SHARED_EVENTS = [Shared(n=n) for n in range(3)]  # the same objects for every subscription


@strawberry.type
class SharedSubscription:
    @strawberry.subscription
    async def shared(self, offset: int = 0) -> AsyncGenerator[Shared, None]:
        for event in SHARED_EVENTS:
            yield event


def shared_schema() -> strawberry.Schema:
    """Parsed documents are cached (as the app's schema does), so one text is one operation."""
    return strawberry.Schema(
        query=TickQuery, subscription=SharedSubscription, execution_context_class=BasaltExecutor, extensions=[ParserCache()]
    )


async def test_identical_subscriptions_share_one_execution_per_event() -> None:
    schema = shared_schema()
    document = "subscription($o: Int!) { shared(offset: $o) { n counted } }"
    CALLS.clear()
    first = await subscription_outcomes(schema, document, {"o": 1})
    second = await subscription_outcomes(schema, document, {"o": 1})
    assert first == second == [({"shared": {"n": n, "counted": n * 10}}, []) for n in range(3)]
    assert CALLS == [0, 1, 2]  # executed for the first subscription only

    other_variables = await subscription_outcomes(schema, document, {"o": 2})
    assert other_variables == first and CALLS == [0, 1, 2, 0, 1, 2]  # not shared across variables


@strawberry.type
class Flaky:
    n: int
    basalt_shared_result: ClassVar[bool] = True

    @strawberry.field
    def counted(self) -> int:
        CALLS.append(self.n)
        if self.n == 1:
            raise ValueError("no")
        return self.n * 10


FLAKY_EVENTS = [Flaky(n=n) for n in range(3)]


@strawberry.type
class FlakySubscription:
    @strawberry.subscription
    async def flaky(self) -> AsyncGenerator[Flaky, None]:
        for event in FLAKY_EVENTS:
            yield event


async def test_a_result_with_errors_is_never_shared() -> None:
    """Each subscriber gets its own execution, and its own error, for a failing event."""
    schema = strawberry.Schema(
        query=TickQuery, subscription=FlakySubscription, execution_context_class=BasaltExecutor, extensions=[ParserCache()]
    )
    document = "subscription { flaky { n counted } }"
    CALLS.clear()
    first = await subscription_outcomes(schema, document, {})
    second = await subscription_outcomes(schema, document, {})
    assert first == second and first[1][1][0][:2] == ("no", ["flaky", "counted"])
    assert CALLS == [0, 1, 2, 1]  # the failing event ran again; the others were shared


# --- Story 9: a list of leaf-only objects completes in one loop ------------------------------


def count_list_items(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which executor class completed each list item through graphql-core's per-item path."""
    calls: list[str] = []
    original = StrawberryGraphQLCoreExecutionContext.complete_list_item_value

    def counting(self: Any, *args: Any) -> Any:
        calls.append(type(self).__name__)
        return original(self, *args)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "complete_list_item_value", counting)
    return calls


async def test_a_list_of_leaf_only_objects_skips_the_per_item_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_list_items(monkeypatch)
    fast, slow = await run_both(PlainQuery, "{ items { id name note @skip(if: true) count } }")

    assert fast == slow and fast[1] == []
    assert calls.count("BasaltExecutor") == 0
    assert calls.count("StrawberryGraphQLCoreExecutionContext") == ROWS


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Human(Named):
    age: int


@strawberry.type
class Robot(Named):
    model: str


@pytest.mark.parametrize(
    ("document", "per_item"),
    [
        ("{ people { name age } }", False),  # implements an interface: Strawberry sets is_type_of
        ("{ people @include(if: true) { name age } }", True),  # a directive on the list field
        ("{ maybe { name age } }", True),  # a null item
        ("{ wrong { name age } }", True),  # an item of another type: is_type_of refuses it
        ("{ named { name } }", True),  # items of an interface type
    ],
)
async def test_lists_the_one_loop_does_not_take_answer_as_stock(
    monkeypatch: pytest.MonkeyPatch, document: str, per_item: bool
) -> None:
    @strawberry.type
    class Query:
        @strawberry.field
        def people(self) -> list[Human]:
            return [Human(name="Ada", age=36), Human(name="Alan", age=41)]

        @strawberry.field
        def maybe(self) -> list[Human | None]:
            return [Human(name="Ada", age=36), None]

        @strawberry.field
        def wrong(self) -> list[Human]:
            return [Human(name="Ada", age=36), Robot(name="R2", model="astromech")]  # type: ignore[list-item]

        @strawberry.field
        def named(self) -> list[Named]:
            return [Human(name="Ada", age=36), Robot(name="R2", model="astromech")]

    calls = count_list_items(monkeypatch)
    fast, slow = await run_both(Query, document, types=[Human, Robot])

    assert fast == slow
    assert (calls.count("BasaltExecutor") > 0) is per_item


# --- Story: a connection's edges, plain objects of plain leaves ----------------------------------


@strawberry.type
class Node:
    id: strawberry.ID
    name: str
    created_at: datetime


@strawberry.type
class Edge:
    cursor: str
    node: Node


@strawberry.type
class MaybeEdge:
    cursor: str
    node: Node | None


@strawberry.type
class ResolvedNode:
    id: strawberry.ID

    @strawberry.field
    def shout(self) -> str:
        return f"{self.id}!"


@strawberry.type
class ResolvedEdge:
    node: ResolvedNode


def edge_rows() -> list[Edge]:
    return [Edge(cursor=f"c{i}", node=Node(id=strawberry.ID(str(i)), name=f"n{i}", created_at=EPOCH + timedelta(days=i))) for i in range(ROWS)]


@strawberry.type
class EdgeQuery:
    @strawberry.field
    def edges(self) -> list[Edge]:
        return edge_rows()

    @strawberry.field
    def gaps(self) -> list[MaybeEdge]:
        return [MaybeEdge(cursor=e.cursor, node=e.node if i % 2 else None) for i, e in enumerate(edge_rows())]

    @strawberry.field
    def broken(self) -> list[Edge]:
        return [Edge(cursor="c", node=None)]  # type: ignore[arg-type]  # a null for a non-null object

    @strawberry.field
    def resolved(self) -> list[ResolvedEdge]:
        return [ResolvedEdge(node=ResolvedNode(id=strawberry.ID(str(i)))) for i in range(3)]

    @strawberry.field
    def people(self) -> list[Edge]:
        return [Edge(cursor="c", node=Human(name="Ada", age=36))]  # type: ignore[arg-type]  # any source passes a type without is_type_of


async def test_edges_of_plain_nodes_complete_in_one_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_list_items(monkeypatch)
    fast, slow = await run_both(EdgeQuery, "{ edges { cursor node { id name createdAt alias: name } } }")

    assert fast == slow and fast[1] == []
    assert fast[0]["edges"][3] == {"cursor": "c3", "node": {"id": "3", "name": "n3", "createdAt": "2024-01-04T12:00:00+00:00", "alias": "n3"}}
    assert calls.count("BasaltExecutor") == 0


@pytest.mark.parametrize(
    ("document", "per_item"),
    [
        ("{ gaps { cursor node { id } } }", False),  # a null for a nullable object is just null
        ("{ broken { cursor node { id } } }", True),  # a null for a non-null object: graphql-core's error
        ("{ resolved { node { id shout } } }", True),  # a resolver inside the nested object
        ("{ edges { cursor node @include(if: true) { id } } }", True),  # a directive on the nested field
        ("{ edges { cursor node { id ... on Node { name } } } }", False),  # an inline fragment merges in
        ("{ people { node { name } } }", False),  # a type without is_type_of takes any source, as stock does
        ("{ people { node { id } } }", True),  # a source without the selected attribute: graphql-core's error
    ],
)
async def test_nested_objects_the_one_loop_does_not_take_answer_as_stock(
    monkeypatch: pytest.MonkeyPatch, document: str, per_item: bool
) -> None:
    calls = count_list_items(monkeypatch)
    fast, slow = await run_both(EdgeQuery, document, types=[Human])

    assert fast == slow
    assert (calls.count("BasaltExecutor") > 0) is per_item


@strawberry.type
class Info:
    has_next: bool
    end: str | None


@strawberry.type
class Holder:
    info: Info
    maybe: Info | None
    resolved: ResolvedNode


@strawberry.type
class HolderQuery:
    @strawberry.field
    def holder(self) -> Holder:
        return Holder(info=Info(has_next=True, end="c9"), maybe=None, resolved=ResolvedNode(id=strawberry.ID("7")))

    @strawberry.field
    def broken(self) -> Holder:
        return Holder(info=None, maybe=Info(has_next=False, end=None), resolved=ResolvedNode(id=strawberry.ID("8")))  # type: ignore[arg-type]


def count_fields(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fields graphql-core's `execute_field` ran in Basalt's executor."""
    calls: list[str] = []
    original = StrawberryGraphQLCoreExecutionContext.execute_field

    def counting(self: Any, parent_type: Any, source: Any, details: Any, *args: Any) -> Any:
        if isinstance(self, BasaltExecutor):
            calls.append(details[0].node.name.value)
        return original(self, parent_type, source, details, *args)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_field", counting)
    return calls


@pytest.mark.parametrize(
    ("document", "regular"),
    [
        ("{ holder { info { hasNext end } maybe { end } } }", {"holder"}),  # written in place, a null as null
        ("{ holder { info { hasNext again: hasNext } } }", {"holder"}),
        ("{ holder { resolved { id shout } } }", {"holder", "resolved", "shout"}),  # a resolver inside
        ("{ holder { info @include(if: true) { end } } }", {"holder", "info"}),  # a directive on the field
        ("{ broken { info { end } maybe { hasNext } } }", {"broken", "info"}),  # a null for a non-null object: the error
    ],
)
async def test_a_plain_object_field_is_written_in_place_and_answers_as_stock(
    monkeypatch: pytest.MonkeyPatch, document: str, regular: set[str]
) -> None:
    calls = count_fields(monkeypatch)
    fast, slow = await run_both(HolderQuery, document)

    assert fast == slow
    assert set(calls) == regular


@strawberry.type
class Moment:
    at: datetime
    on: date


ZONES = [UTC, None, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(seconds=3661)), timezone(timedelta(hours=-8))]


@strawberry.type
class MomentQuery:
    @strawberry.field
    def moments(self) -> list[Moment]:
        return [Moment(at=datetime(2026, 11, 22, 4, 5, 6, micro, tzinfo=zone), on=date(2026, 11, 22)) for zone in ZONES for micro in (0, 120000, 1)]


async def test_datetimes_read_as_isoformat_writes_them_in_every_zone() -> None:
    fast, slow = await run_both(MomentQuery, "{ moments { at on } }")

    assert fast == slow and fast[1] == []
    assert fast[0]["moments"][0]["at"] == "2026-11-22T04:05:06+00:00"
    assert fast[0]["moments"][10]["at"] == "2026-11-22T04:05:06.120000+01:01:01"


# --- Story: an execution leaves no reference cycle ------------------------------------------


@strawberry.type
class HelperQuery:
    @strawberry.field
    async def both(self, info: strawberry.Info) -> list[int]:
        async def one(n: int) -> int:
            await asyncio.sleep(0)
            return n

        return list(await info._raw_info.async_helpers.gather([one(1), one(2)]))

    @strawberry.field
    def keep_helpers(self, info: strawberry.Info) -> int:
        kept_helpers.append(info._raw_info.async_helpers)
        return 1


kept_helpers: list[Any] = []


async def test_an_execution_leaves_nothing_for_the_cycle_collector() -> None:
    """The executor's resolver helpers hold it weakly: its context and everything the request
    put there go when the result is returned, not at the next garbage collection."""
    schema = strawberry.Schema(query=HelperQuery, execution_context_class=BasaltExecutor, extensions=[ParserCache()])
    await schema.execute("{ both }")  # warm: caches built on first use (the parsed document) are not garbage
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = await schema.execute("{ both }", context_value={"request": object()})
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.enable()
    assert result.errors is None and result.data == {"both": [1, 2]}
    assert "BasaltExecutor" not in left, sorted(set(left))


async def test_helpers_kept_past_their_execution_still_settle_and_gather_work() -> None:
    """A resolver's helpers outlive the executor they no longer keep alive: late work is still
    settled in the background, never orphaned, and gathering still answers."""
    schema = strawberry.Schema(query=HelperQuery, execution_context_class=BasaltExecutor)
    kept_helpers.clear()
    assert (await schema.execute("{ keepHelpers }")).data == {"keepHelpers": 1}
    gc.collect()  # the executor is gone now
    helpers = kept_helpers.pop()
    done = asyncio.Event()

    async def late() -> None:
        done.set()

    helpers.track([late(), "not awaitable"])
    await asyncio.wait_for(done.wait(), timeout=2)

    async def value(n: int) -> int:
        return n

    assert await helpers.gather([value(1), value(2)]) == [1, 2]


async def test_a_static_document_compiles_its_row_writer_once_and_a_directive_keeps_the_interpreter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As the app executes (`execute_document`, no Strawberry field middleware; parsed documents
    cached, so the same query brings the same nodes)."""
    import schema.execution as execution

    compiled: list[Any] = []
    original = execution.compile_row
    monkeypatch.setattr(execution, "compile_row", lambda shape: compiled.append(shape) or original(shape))
    basalt, stock = build_pair(PlainQuery)
    static = "{ items { id name count createdAt note } }"
    parsed = parse(static)
    for _ in range(2):
        fast = await execute_document(basalt, parsed, variables=None, operation_name=None, context=None)
        assert outcome(fast) == outcome(await stock.execute(static))  # type: ignore[arg-type]
    assert len(compiled) == 1  # built on first use, then shared by every request with this document

    with_directive = "query ($on: Boolean!) { items { id name @include(if: $on) count } }"
    parsed = parse(with_directive)
    for on in (True, False):
        fast = await execute_document(basalt, parsed, variables={"on": on}, operation_name=None, context=None)
        assert outcome(fast) == outcome(await stock.execute(with_directive, variable_values={"on": on}))  # type: ignore[arg-type]
    assert len(compiled) == 1  # its selection depends on the variables: interpreted each time


# --- Story: one root field ---------------------------------------------------------------------


@strawberry.type
class RootQuery:
    @strawberry.field
    def plain(self) -> Plain:
        return plain_rows()[0]

    @strawberry.field
    async def later(self, n: int) -> Plain:
        await asyncio.sleep(0)
        return plain_rows()[n]

    @strawberry.field
    async def broken(self) -> Plain | None:
        raise ValueError("broken on purpose")

    @strawberry.field
    async def required(self) -> Plain:
        raise ValueError("required but broken")

    @strawberry.field
    def sync_required(self) -> int:
        raise ValueError("sync and broken")

    @strawberry.field
    def broken_name(self) -> Plain:
        return Plain(**{**plain_rows()[0].__dict__, "name": None})  # type: ignore[arg-type]  # a non-null field holding None


@strawberry.type
class RootMutation:
    @strawberry.mutation
    async def touch(self, name: str) -> Plain:
        await asyncio.sleep(0)
        return Plain(**{**plain_rows()[1].__dict__, "name": name})


@pytest.mark.parametrize(
    ("document", "variables", "single"),
    [
        ("{ plain { id name count } }", None, True),
        ("query ($n: Int!) { later(n: $n) { name createdAt color payload } }", {"n": 3}, True),
        ("{ broken { name } }", None, True),
        ("{ required { name } }", None, True),
        ("{ syncRequired }", None, True),
        ('mutation { touch(name: "x") { name count } }', None, True),
        ("{ a: plain { name } b: later(n: 1) { name } }", None, False),  # two root fields: graphql-core's path
        ("{ plain { name } ... on RootQuery { plain { id } } }", None, True),  # one field, merged
        ("query ($on: Boolean!) { plain @include(if: $on) { name } }", {"on": False}, False),  # a directive
    ],
)
async def test_one_root_field_runs_without_the_reducer_and_answers_as_stock(
    monkeypatch: pytest.MonkeyPatch, document: str, variables: dict[str, Any] | None, single: bool
) -> None:
    taken: list[str] = []
    original = BasaltExecutor._execute_single_root_field

    def counted(self: BasaltExecutor, root_type: Any, response_name: str, details: Any) -> Any:
        taken.append(response_name)
        return original(self, root_type, response_name, details)

    monkeypatch.setattr(BasaltExecutor, "_execute_single_root_field", counted)
    monkeypatch.setattr("schema.operations.root_call", lambda schema, prepared: None)  # the executor's own path (see the root call story)
    await answer_twice_as_stock(RootQuery, document, variables)  # the second run takes the root field from the cache
    assert bool(taken) is single


async def answer_twice_as_stock(query: type, document: str, variables: dict[str, Any] | None) -> None:
    """The app's way (`execute_document`, the parsed document kept, so caches apply on the second
    run) answers twice as stock Strawberry does."""
    basalt = strawberry.Schema(query=query, mutation=RootMutation, execution_context_class=BasaltExecutor)
    stock = strawberry.Schema(query=query, mutation=RootMutation)
    parsed = parse(document)
    for _ in range(2):
        fast = await execute_document(basalt, parsed, variables=variables, operation_name=None, context=None)
        assert outcome(fast) == outcome(await stock.execute(document, variable_values=variables))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("document", "written_whole"),
    [
        ("{ plain { id name count ratio active createdAt color payload note } }", True),
        ("{ brokenName { id name } }", False),  # the writer gives up: graphql-core's error and null propagation
    ],
)
async def test_an_object_of_plain_fields_is_written_whole_and_answers_as_stock(
    monkeypatch: pytest.MonkeyPatch, document: str, written_whole: bool
) -> None:
    per_field: list[str] = []
    original = BasaltExecutor.execute_fields

    def counted(self: BasaltExecutor, parent_type: Any, *args: Any) -> Any:
        per_field.append(parent_type.name)
        return original(self, parent_type, *args)

    monkeypatch.setattr(BasaltExecutor, "execute_fields", counted)
    basalt, stock = build_pair(RootQuery)
    parsed = parse(document)
    fast = await execute_document(basalt, parsed, variables=None, operation_name=None, context=None)
    assert outcome(fast) == outcome(await stock.execute(document))  # type: ignore[arg-type]
    assert ("Plain" not in per_field) is written_whole


# --- Story: a root field called without building the executor --------------------------------


seen_infos: list[tuple[Any, ...]] = []


@strawberry.type
class CallQuery(RootQuery):
    @strawberry.field
    def maybe(self) -> Plain | None:
        return None

    @strawberry.field
    def sync_broken(self) -> Plain:
        raise ValueError("sync object and broken")

    @strawberry.field
    def failed_value(self) -> Plain:
        return ValueError("returned, not raised")  # type: ignore[return-value]

    @strawberry.field
    async def gathered(self, info: strawberry.Info) -> Plain:
        async def one(n: int) -> int:
            await asyncio.sleep(0)
            return n

        first, second = await info._raw_info.async_helpers.gather([one(2), one(3)])
        return plain_rows()[first + second]

    @strawberry.field
    def author(self) -> Author:  # implements an interface: its type checks what it is given
        return Author(id=strawberry.ID("a1"), name="Ann", born=1970)

    @strawberry.field
    def not_an_author(self) -> Author:
        return plain_rows()[0]  # type: ignore[return-value]

    @strawberry.field
    def inspected(self, info: strawberry.Info, n: int = 1, tag: str | None = None) -> Plain:
        seen_infos.append((
            info.field_name, info.path.as_list(), info.variable_values, info.context, info._raw_info.parent_type.name, str(info.return_type),
            [(f.name, [repr(c) for c in f.selections]) for f in info.selected_fields], info.operation.operation.value, info.root_value,
            n, tag,
        ))
        return plain_rows()[n]


def calls_taken(monkeypatch: pytest.MonkeyPatch) -> tuple[list[bool], list[str]]:
    """Per execution, whether a root call answered it, and which executor methods finished it."""
    import schema.root_call as root_calls

    answered: list[bool] = []
    finished: list[str] = []
    original_run = root_calls.RootCall.run

    def run(self: Any, variables: Any, context: Any) -> Any:
        answer = original_run(self, variables, context)
        answered.append(answer is not None)
        return answer

    monkeypatch.setattr(root_calls.RootCall, "run", run)
    for name in ("field_error", "complete_root"):
        original = getattr(BasaltExecutor, name)

        def noted(self: Any, *args: Any, __name: str = name, __original: Any = original) -> Any:
            finished.append(__name)
            return __original(self, *args)

        monkeypatch.setattr(BasaltExecutor, name, noted)
    return answered, finished


@pytest.mark.parametrize(
    ("document", "variables", "answered", "finished"),
    [
        ("{ plain { id name count ratio active createdAt color payload note } }", None, [True], []),
        ("query ($n: Int!) { later(n: $n) { name createdAt color payload } }", {"n": 3}, [True], []),
        ('mutation { touch(name: "x") { name count } }', None, [True], []),
        ("{ plain { name } ... on CallQuery { plain { id } } }", None, [True], []),  # one field, merged
        ("{ gathered { name } }", None, [True], []),  # the resolver gathers through its info's helpers
        ("{ broken { name } }", None, [True], ["field_error"]),  # raised, nullable: the field is null
        ("{ required { name } }", None, [True], ["field_error"]),  # raised, non-null: the data is null
        ("{ syncBroken { name } }", None, [True], ["field_error"]),
        ("{ failedValue { name } }", None, [True], ["complete_root", "field_error"]),  # an error returned as the value
        ("{ brokenName { id name } }", None, [True], ["complete_root", "field_error"]),  # the writer gives up on a null name
        ("{ maybe { name } }", None, [True], ["complete_root"]),  # None for a nullable object
        ("{ author { id name born } }", None, [True], []),
        ("{ notAnAuthor { id name } }", None, [True], ["complete_root", "field_error"]),  # its type refuses the value
        ("query ($n: Int!) { later(n: $n) { name } }", {"n": "three"}, [False], []),  # coercion fails: graphql-core reports it
        ("query ($n: Int!) { later(n: $n) { name } }", {}, [False], []),  # a required variable is missing
        ("{ syncRequired }", None, [], []),  # a leaf, not an object: the executor's path
        ("{ a: plain { name } b: later(n: 1) { name } }", None, [], []),  # two root fields
        ("query ($on: Boolean!) { plain @include(if: $on) { name } }", {"on": True}, [], []),  # a directive
    ],
)
async def test_a_root_field_called_directly_answers_as_stock(
    monkeypatch: pytest.MonkeyPatch, document: str, variables: dict[str, Any] | None, answered: list[bool], finished: list[str]
) -> None:
    taken, finishers = calls_taken(monkeypatch)
    await answer_twice_as_stock(CallQuery, document, variables)  # the second run takes the root call from the cache
    assert taken == answered * 2 and finishers == finished * 2


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        ("query ($n: Int!, $tag: String) { inspected(n: $n, tag: $tag) { id name } }", {"n": 4, "tag": "t"}),
        ("query ($n: Int!, $tag: String) { inspected(n: $n, tag: $tag) { id } }", {"n": 2}),  # tag left out: not passed
        ("{ inspected { name } }", None),  # the argument's default
        ('{ renamed: inspected(n: 5, tag: null) { note ... on Plain { count } } }', None),
    ],
)
async def test_a_root_call_gives_its_resolver_the_same_info_and_arguments_as_stock(document: str, variables: dict[str, Any] | None) -> None:
    basalt = strawberry.Schema(query=CallQuery, execution_context_class=BasaltExecutor)
    stock = strawberry.Schema(query=CallQuery)
    context = {"who": "caller"}
    seen_infos.clear()
    fast = await execute_document(basalt, parse(document), variables=variables, operation_name=None, context=context)
    slow = await stock.execute(document, variable_values=variables, context_value=context)
    assert outcome(fast) == outcome(slow)  # type: ignore[arg-type]
    assert len(seen_infos) == 2 and seen_infos[0] == seen_infos[1]


async def test_a_root_call_of_a_named_operation_among_several_hands_its_errors_to_the_right_operation(monkeypatch: pytest.MonkeyPatch) -> None:
    taken, finishers = calls_taken(monkeypatch)
    document = "query A { plain { name } } query B($n: Int!) { required { name } later(n: $n) { name } } query C { sync_broken: syncBroken { id } }"
    basalt = strawberry.Schema(query=CallQuery, execution_context_class=BasaltExecutor)
    stock = strawberry.Schema(query=CallQuery)
    parsed = parse(document)
    for name in ("A", "C"):
        fast = await execute_document(basalt, parsed, variables=None, operation_name=name, context=None)
        assert outcome(fast) == outcome(await stock.execute(document, operation_name=name))  # type: ignore[arg-type]
    assert taken == [True, True] and finishers == ["field_error"]
