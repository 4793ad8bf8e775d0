"""Typed properties of an object type. Values live in the object's `properties` JSON."""

from __future__ import annotations

from typing import Any

from tortoise import fields

from models.base import TenantOwnedModel
from models import jsoncodec


class DefaultValueField(fields.JSONField):
    """A property's default, stored as `{"value": …}` JSON text.

    Stored bare, a number default met two problems: SQLite gives JSON columns numeric affinity,
    so the text `10.00` came back as the number 10 (a decimal lost its digits), and Tortoise's
    JSONField takes a Python `str` as JSON text already encoded. Wrapped, the column always holds
    an object and every value, strings included, goes through the JSON encoder.
    """

    def to_db_value(self, value: Any, instance: Any) -> str | None:
        return None if value is None else jsoncodec.dumps({"value": value})

    def to_python_value(self, value: Any) -> Any:
        if not isinstance(value, (str, bytes)):
            return value  # already a Python value (set on an instance)
        data = jsoncodec.loads(value)
        return data["value"] if isinstance(data, dict) and set(data) == {"value"} else data


class Property(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    object_type_id = fields.CharField(max_length=40, db_index=True)
    name = fields.CharField(max_length=64)
    data_type = fields.CharField(max_length=20)
    is_indexed = fields.BooleanField(default=False)
    is_sortable = fields.BooleanField(default=False)
    is_unique = fields.BooleanField(default=False)
    is_required = fields.BooleanField(default=False)
    default_value = DefaultValueField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    enum_values = fields.JSONField(null=True)
    description = fields.TextField(null=True)

    class Meta:
        table = "properties"
        unique_together = (("object_type_id", "name"),)
