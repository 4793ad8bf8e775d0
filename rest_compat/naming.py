"""GraphQL speaks camelCase, REST speaks snake_case: both names come from the same Python field.

Strawberry keeps each field's Python name on the graphql-core object it builds (the
"strawberry-definition" back-reference), so REST keys are never guessed from the camelCase text.
"""

from __future__ import annotations

import keyword
from typing import Any

from graphql import GraphQLNonNull, Undefined

from strawberry.utils.str_converters import to_camel_case

from schema.common import GRAPHQL_ONLY

BACKREF = "strawberry-definition"

__all__ = ["graphql_name", "graphql_only", "rest_name", "rest_names", "to_camel_case"]


def rest_name(graphql_name_: str, definition: Any) -> str:
    """The snake_case (Python) name behind a GraphQL field, input field or argument; a Python
    keyword escaped with a trailing underscore (`from_`) is the keyword itself in REST."""
    backref = (getattr(definition, "extensions", None) or {}).get(BACKREF)
    python_name = getattr(backref, "python_name", None) or graphql_name_
    if python_name.endswith("_") and keyword.iskeyword(python_name[:-1]):
        return python_name[:-1]
    return python_name


def rest_names(fields: dict[str, Any]) -> dict[str, str]:
    """{python_name: graphql_name} for an input or output type's fields."""
    return {rest_name(name, field): name for name, field in fields.items()}


def graphql_name(python_name: str) -> str:
    return to_camel_case(python_name)


def graphql_only(field: Any) -> bool:
    """Nested relations (dataloader fields) and fields needing arguments stay out of REST shapes."""
    backref = (getattr(field, "extensions", None) or {}).get(BACKREF)
    metadata = getattr(backref, "metadata", None) or {}
    return bool(metadata.get(GRAPHQL_ONLY)) or any(
        isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in field.args.values()
    )
