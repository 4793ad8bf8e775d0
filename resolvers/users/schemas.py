"""User administration inputs and limits (scope `auth`)."""

from __future__ import annotations

import re

LIST_DEFAULT_LIMIT = 50
LIST_MAX_LIMIT = 100
MAX_SEARCH_LENGTH = 200
ROLE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
MAX_BAN_REASON = 500
