"""Object-type inputs and limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict

TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_DISPLAY_NAME = 200
MAX_TYPES_PER_TENANT = 500


@dataclass(frozen=True)
class TypeCreate:
    name: str
    display_name: str | None = None


class TypePatch(TypedDict, total=False):
    name: str
    display_name: str
