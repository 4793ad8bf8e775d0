"""GraphQL speaks camelCase, REST speaks snake_case: both names come from the same Python field.

Strawberry keeps each field's Python name on the graphql-core object it builds (the
"strawberry-definition" back-reference), so REST keys are never guessed from the camelCase text.
"""

from __future__ import annotations

from typing import Any

from strawberry.utils.str_converters import to_camel_case

BACKREF = "strawberry-definition"

__all__ = ["graphql_name", "rest_name", "rest_names", "to_camel_case"]


def rest_name(graphql_name_: str, definition: Any) -> str:
    """The snake_case (Python) name behind a GraphQL field, input field or argument."""
    backref = (getattr(definition, "extensions", None) or {}).get(BACKREF)
    return getattr(backref, "python_name", None) or graphql_name_


def rest_names(fields: dict[str, Any]) -> dict[str, str]:
    """{python_name: graphql_name} for an input or output type's fields."""
    return {rest_name(name, field): name for name, field in fields.items()}


def graphql_name(python_name: str) -> str:
    return to_camel_case(python_name)
