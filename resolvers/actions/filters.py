"""Record filters written as expressions (`status = 'paid' and total > {{request.body.min}}`)
turned into the list filter language, with every template resolved to a bound value: the
expression is parsed first, so a template's value is data and can never become syntax."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Callable

from resolvers.actions.expressions import Compare, Expr, ListOf, Literal, Logic, Path, Template, parse
from resolvers.errors import ValidationError

NUMBER = re.compile(r"-?\d+(\.\d+)?")
OPERATORS = {
    "=": "eq", "!=": "ne", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "in": "in", "nin": "nin",
    "contains": "contains", "icontains": "icontains", "starts_with": "starts_with",
}


def check(text: str, field: str) -> None:
    """Fail at save time: the expression must parse and have the shape of a record filter."""
    _convert(parse(text, field=field), lambda t: None, field)


def to_filter(text: str | None, resolve: Callable[[str], Any], *, field: str = "filter") -> Any:
    """The list filter language for `text`; `resolve` renders a template (`{{...}}` or a string
    with templates in it) to its value."""
    if text is None or text == "":
        return None
    return _convert(parse(text, field=field), resolve, field)


def _convert(expr: Expr, resolve: Callable[[str], Any], field: str) -> Any:
    if isinstance(expr, Logic):
        children = [_convert(c, resolve, field) for c in expr.children]
        return {"not": children[0]} if expr.op == "not" else {expr.op: children}
    if not isinstance(expr, Compare) or not isinstance(expr.left, Path) or len(expr.left.parts) != 1:
        raise ValidationError.single(field, "each condition compares a property name with a value, such as status = 'paid'")
    name = str(expr.left.parts[0])
    if expr.op in ("is_null", "is_not_null"):
        return {name: {"is_null": expr.op == "is_null"}}
    return {name: {OPERATORS[expr.op]: _value(expr.right, resolve, field)}}


def _value(expr: Expr | None, resolve: Callable[[str], Any], field: str) -> Any:
    if isinstance(expr, Literal):
        return resolve(expr.value) if isinstance(expr.value, str) and "{{" in expr.value else expr.value
    if isinstance(expr, Template):
        return resolve(expr.text)
    if isinstance(expr, ListOf):
        return [_value(item, resolve, field) for item in expr.items]
    raise ValidationError.single(field, "compare with a value (a literal or a {{template}}), not another name")


def coerce_numbers(where: Any, numeric: set[str]) -> Any:
    """Numeric text (a query parameter is always text) compared with a numeric property becomes
    the number it spells, as the same expression does in a condition."""
    if isinstance(where, list):
        return [coerce_numbers(item, numeric) for item in where]
    if not isinstance(where, dict):
        return where
    coerced: dict[str, Any] = {}
    for key, value in where.items():
        if key in ("and", "or", "not"):
            coerced[key] = coerce_numbers(value, numeric)
        elif key in numeric and isinstance(value, dict):
            coerced[key] = {op: _number(v) for op, v in value.items()}
        else:
            coerced[key] = value
    return coerced


def _number(value: Any) -> Any:
    if isinstance(value, list):
        return [_number(v) for v in value]
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        text = value.strip()
        return int(text) if re.fullmatch(r"-?\d+", text) else Decimal(text)
    return value


def sort_of(text: Any, field: str) -> tuple[str | None, str | None]:
    """`-created_at` -> (created_at, desc); `total` -> (total, asc)."""
    if text is None or text == "":
        return None, None
    if not isinstance(text, str) or len(text) > 64:
        raise ValidationError.single(field, "must be a field name, with - in front for descending")
    return (text[1:], "desc") if text.startswith("-") else (text.lstrip("+"), "asc")
