"""Custom scalars shared by every domain."""

from __future__ import annotations

from typing import NewType

import strawberry

BigInt = strawberry.scalar(
    NewType("BigInt", int),
    description="A 64-bit integer, serialised as a JSON number",
    serialize=int,
    parse_value=int,
)
