"""Checks for the paging arguments every list takes."""

from __future__ import annotations

from typing import Any

from resolvers.errors import ValidationError


def bounded_int(value: Any, field: str, *, default: int, low: int, high: int) -> int:
    """`value` if it is an integer in [low, high] (digits in text too: query strings and
    templates are text), `default` when absent; 400 naming `field` otherwise."""
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError.single(field, f"must be an integer from {low} to {high}")
    return value
