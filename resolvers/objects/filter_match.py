"""The list filter language evaluated on one object in memory, for realtime listeners.

A subscription's `where` is checked per event, where there is no row to query. It starts from
the same checked tree as the SQL (`filters.parse_filter`), so it accepts exactly the same input,
and mirrors the SQL's semantics: JSON types are compared strictly (a string "1" is not the number
1, true is not 1), ordered comparisons only match values of the property's own JSON kind, a
missing value matches only `is_null`, `ne` and `nin`, and `not` of a missing value is true.
A test runs the same filters through SQL and through this matcher and compares.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from resolvers.objects.filters import MATCH_ALL, Condition, Field, Logical, Node, parse_filter
from resolvers.objects.schemas import TypeSchema
from resolvers.properties.datatypes import DATA_TYPES, InvalidValue, parse_datetime

_MISSING = object()


def compile_predicate(where: Any, schema: TypeSchema, *, label: str = "where") -> Callable[[dict[str, Any]], bool]:
    """A function of an object as the API shows it (`{"id", "properties", ...}`): does it match?"""
    tree = parse_filter(where, schema, label=label)
    if tree == MATCH_ALL:
        return lambda _obj: True
    return lambda obj: _matches(tree, obj)


def _matches(node: Node, obj: dict[str, Any]) -> bool:
    if isinstance(node, Logical):
        if node.op == "not":
            return not _matches(node.children[0], obj)
        if node.op == "or":
            return any(_matches(child, obj) for child in node.children)
        return all(_matches(child, obj) for child in node.children)
    return _condition(node, _value(node.target, obj))


def _value(target: Field, obj: dict[str, Any]) -> Any:
    """The stored form of the field's value (API decimals are strings; stored, numbers)."""
    if target.column is not None:
        value = obj.get(target.column, _MISSING)
        if target.data_type == "datetime" and isinstance(value, str):
            try:
                return parse_datetime(value)
            except InvalidValue:
                return _MISSING
        return _MISSING if value is None else value
    value = (obj.get("properties") or {}).get(target.name, _MISSING)
    if value is None:
        return _MISSING  # JSON null is what SQL's IS NULL matches too
    if DATA_TYPES[target.data_type].exact_decimal and isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def _condition(c: Condition, value: Any) -> bool:
    op = c.op
    if op == "is_null":
        return (value is _MISSING) == c.value
    if value is _MISSING:
        return op in ("ne", "nin")
    if op == "eq":
        return _same(value, c.value)
    if op == "ne":
        return not _same(value, c.value)
    if op == "in":
        return any(_same(value, v) for v in c.value)
    if op == "nin":
        return not any(_same(value, v) for v in c.value)
    if op == "array_contains":
        return isinstance(value, list) and all(any(_same(item, w) for item in value) for w in c.value)
    if op in ("contains", "icontains", "starts_with"):
        if not isinstance(value, str):
            return False
        if op == "contains":
            return c.value in value
        if op == "icontains":
            return c.value.lower() in value.lower()
        return value.startswith(c.value)
    return _ordered(c, value)


def _ordered(c: Condition, value: Any) -> bool:
    if c.target.column is None:  # the SQL's type guard: numbers with numbers, text with text
        numeric = DATA_TYPES[c.target.data_type].numeric
        if numeric != _is_number(value) or (not numeric and not isinstance(value, str)):
            return False
    try:
        if c.op == "gt":
            return value > c.value
        if c.op == "gte":
            return value >= c.value
        if c.op == "lt":
            return value < c.value
        return value <= c.value
    except TypeError:
        return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    return type(value).__name__


def _same(a: Any, b: Any) -> bool:
    """JSON equality: same kind and equal (1 == 1.0, but true != 1 and "1" != 1)."""
    if _kind(a) != _kind(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)
