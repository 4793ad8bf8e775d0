"""Validating and normalising an object's properties against its type's schema.

Typed keys are normalised by their data type; other keys are stored untyped, as sent. `None`
removes a key (a property value is never stored as JSON null, so `is_null` and unique indexes
mean "missing"). References are collected so one query can check them for a whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from resolvers.errors import FieldError
from resolvers.objects.schemas import MAX_UNTYPED_KEY_LENGTH, TypeSchema
from resolvers.properties.datatypes import InvalidValue, Rules, normalize
from resolvers.properties.schemas import RESERVED_NAMES

REMOVE = object()  # a partial update's instruction to drop a key


@dataclass
class Checked:
    values: dict[str, Any] = field(default_factory=dict)  # REMOVE marks keys to drop (updates only)
    errors: list[FieldError] = field(default_factory=list)
    references: list[tuple[str, str]] = field(default_factory=list)  # (path, object id)


def check_properties(schema: TypeSchema, values: Any, *, path: str, partial: bool, from_text: bool = False) -> Checked:
    checked = Checked()
    if not isinstance(values, dict):
        checked.errors.append(FieldError(path, "must be an object of property values"))
        return checked
    for key, value in values.items():
        _check_one(schema, key, value, f"{path}.{key}", partial, from_text, checked)
    if not partial:
        _apply_defaults_and_required(schema, path, checked)
    return checked


def _check_one(schema: TypeSchema, key: Any, value: Any, path: str, partial: bool, from_text: bool, checked: Checked) -> None:
    if not isinstance(key, str) or not key or len(key) > MAX_UNTYPED_KEY_LENGTH or key in RESERVED_NAMES:
        checked.errors.append(FieldError(path, f"is not a valid property name (1 to {MAX_UNTYPED_KEY_LENGTH} characters, not reserved)"))
        return
    prop = schema.properties.get(key)
    if value is None or (from_text and value == "" and prop is not None):
        if prop is not None and prop.is_required:
            checked.errors.append(FieldError(path, "is required"))
        elif partial:
            checked.values[key] = REMOVE
        return
    if prop is None:
        checked.values[key] = value
        return
    try:
        normalized = normalize(prop.data_type, value, Rules(enum_values=tuple(prop.enum_values or ()), from_text=from_text))
    except InvalidValue as exc:
        checked.errors.append(FieldError(path, str(exc)))
        return
    checked.values[key] = normalized
    if prop.data_type == "reference":
        checked.references.append((path, normalized))


def _apply_defaults_and_required(schema: TypeSchema, path: str, checked: Checked) -> None:
    reported = {e.field for e in checked.errors}
    for name, prop in schema.properties.items():
        if name in checked.values:
            continue
        if prop.default_value is not None:
            checked.values[name] = prop.default_value
        elif prop.is_required and f"{path}.{name}" not in reported:
            checked.errors.append(FieldError(f"{path}.{name}", "is required"))


def merged(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    result = dict(current)
    for key, value in changes.items():
        if value is REMOVE:
            result.pop(key, None)
        else:
            result[key] = value
    return result
