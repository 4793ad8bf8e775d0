"""An `ObjectRecord` answers as the GraphQL `Object` type without being copied into a node."""

from __future__ import annotations

from datetime import datetime, timezone

from strawberry.types.base import get_object_definition

from resolvers.objects.schemas import ObjectRecord
from schema.objects.types import ObjectNode

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

