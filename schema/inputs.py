"""Turning Strawberry inputs into plain keyword arguments for services."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry


def provided_fields(input_value: Any) -> dict[str, Any]:
    """The input's fields the client actually sent (UNSET ones dropped), shallow."""
    return {
        f.name: getattr(input_value, f.name)
        for f in dataclasses.fields(input_value)
        if getattr(input_value, f.name) is not strawberry.UNSET
    }
