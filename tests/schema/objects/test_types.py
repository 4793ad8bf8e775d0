"""An `ObjectRecord` answers as the GraphQL `Object` type without being copied into a node, and a
`Page` as an `ObjectConnection`."""

from __future__ import annotations

from datetime import datetime, timezone

from strawberry.types.base import get_object_definition

from resolvers.objects import cursor
from resolvers.objects.cursor import PageCursors
from resolvers.objects.schemas import ObjectRecord, Page, Sort
from schema.common import PageInfo
from schema.objects.types import ObjectConnection, ObjectNode

CREATED = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
EXPECTED = {  # each field of the type, as the record must give it
    "id": "obj_1",
    "object_type_id": "ot_1",
    "tenant_id": "tn_1",
    "properties": {"score": 7},
    "created_at": CREATED,
    "updated_at": CREATED,
    "created_by": "key_1",
    "version": 3,
    "is_deleted": True,
}


def _record() -> ObjectRecord:
    return ObjectRecord("obj_1", "tn_1", "ot_1", {"score": 7}, 3, "key_1", "key_2", CREATED, CREATED, CREATED)


def test_every_plain_field_of_the_type_is_an_attribute_of_the_record() -> None:
    definition = get_object_definition(ObjectNode, strict=True)
    plain = {f.python_name for f in definition.fields if f.base_resolver is None}
    assert plain == set(EXPECTED)  # a field added to one must be added to the other
    record = _record()
    for name, value in EXPECTED.items():
        assert getattr(record, name) == value, name


def test_the_type_takes_any_source_and_from_record_builds_nothing() -> None:
    definition = get_object_definition(ObjectNode, strict=True)
    assert definition.is_type_of is None and not definition.interfaces  # graphql-core never checks the source's class
    record = _record()
    assert ObjectNode.from_record(record) is record
    # its methods (`associations`, `ref`) get the record as `self`: tests/schema/test_object_loaders.py runs both on a page



SORT = Sort(key="score", order="asc", is_property=True, data_type="integer")


def _page(items: list[ObjectRecord], *, more: bool) -> Page:
    cursors = PageCursors(SORT, items, lambda item, s: item.properties.get(s.key))
    return Page(items=items, next_cursor=cursors.at(len(items) - 1) if more else None, total=len(items) + more, cursors=cursors)


def test_a_page_answers_every_field_of_the_connection_type() -> None:
    definition = get_object_definition(ObjectConnection, strict=True)
    assert definition.is_type_of is None and not definition.interfaces
    fields = {f.python_name for f in definition.fields}
    assert all(f.base_resolver is None for f in definition.fields)  # every field is read, none resolved
    first, second = _record(), ObjectRecord("obj_2", "tn_1", "ot_1", {"score": 9}, 1, None, None, CREATED, CREATED)
    page = _page([first, second], more=True)
    connection = ObjectConnection.from_page(page)
    assert fields == {"results", "next_cursor", "total", "edges", "page_info", "total_count"}
    assert connection.results == [first, second] and connection.total == connection.total_count == 3
    assert [(e.node, e.cursor) for e in connection.edges] == [(first, page.cursors.at(0)), (second, page.cursors.at(1))]
    assert connection.page_info == PageInfo(has_next_page=True, end_cursor=page.next_cursor) and page.next_cursor == page.cursors.at(1)
    assert cursor.decode(connection.edges[0].cursor, SORT) == (7, "obj_1")


def test_an_empty_last_page_has_no_cursors() -> None:
    connection = ObjectConnection.from_page(_page([], more=False))
    assert connection.edges == [] and connection.page_info == PageInfo(has_next_page=False, end_cursor=None)
