"""Custom endpoints' vocabulary: paths with `:param` segments, how a request path matches one,
response templates, and the limits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from resolvers.errors import DomainError, FieldError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_ENDPOINTS_DEFAULT = 20
NAME_MAX = 200
PATH_MAX = 500
LITERAL_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]{1,100}$")
PARAM_SEGMENT = re.compile(r"^:([a-z_][a-z0-9_]{0,63})$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")
MAX_HEADERS = 30
HEADER_VALUE_MAX = 4096
# Set by the server, never by a template: hop-by-hop headers, framing, and cookies unless the
# template opts in with `allow_set_cookie`.
FORBIDDEN_HEADERS = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
    "transfer-encoding", "upgrade", "content-length", "host", "x-request-id",
})
TEMPLATE_FIELDS = ("status", "body", "headers", "allow_set_cookie")
EXECUTIONS_MAX_PAGE = 100


class ConditionFailed(DomainError):
    code = "CONDITION_FAILED"
    status = 403
    default_message = "The endpoint's condition does not allow this request"


@dataclass(frozen=True)
class Segment:
    text: str
    param: str | None  # the parameter's name, or None for a literal segment


@dataclass(frozen=True)
class RoutePath:
    segments: tuple[Segment, ...]

    @property
    def shape(self) -> str:
        return "/" + "/".join(":" if s.param else s.text for s in self.segments)

    @property
    def specificity(self) -> tuple[int, ...]:
        """Literal segments rank before parameters, left to right: lower wins."""
        return tuple(1 if s.param else 0 for s in self.segments)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """The parameters when `parts` (a request path's segments) fit this path."""
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for segment, part in zip(self.segments, parts):
            if segment.param is not None:
                if not part:
                    return None  # an empty segment (//) is no value
                params[segment.param] = part
            elif segment.text != part:
                return None
        return params

    def overlaps(self, other: "RoutePath") -> bool:
        """Some request path fits both (same length, and no two literal segments differ)."""
        return len(self.segments) == len(other.segments) and all(
            a.param or b.param or a.text == b.text for a, b in zip(self.segments, other.segments)
        )


def parse_path(value: Any, errors: list[FieldError], field_name: str = "path") -> RoutePath | None:
    """`/customers/:customer_id/summary` -> its segments; errors name what is wrong."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > PATH_MAX:
        errors.append(FieldError(field_name, f"must start with / and be at most {PATH_MAX} characters"))
        return None
    text = value.rstrip("/")
    if not text:
        errors.append(FieldError(field_name, "needs at least one segment, such as /feedback"))
        return None
    segments: list[Segment] = []
    seen: set[str] = set()
    for i, raw in enumerate(text[1:].split("/")):
        param = PARAM_SEGMENT.match(raw)
        if param:
            name = param.group(1)
            if name in seen:
                errors.append(FieldError(field_name, f"names the parameter :{name} twice"))
                return None
            seen.add(name)
            segments.append(Segment(raw, name))
        elif LITERAL_SEGMENT.match(raw):
            segments.append(Segment(raw, None))
        else:
            errors.append(FieldError(field_name, f"segment {i + 1} ({raw!r}) must be letters, digits, . _ ~ - or a :parameter (lower case)"))
            return None
    return RoutePath(tuple(segments))


def split_request_path(path: str) -> list[str]:
    """A request path's segments, each percent-decoded on its own (so `a%2Fb` is one segment
    "a/b"); a trailing slash is ignored, empty segments inside are kept."""
    text = path.lstrip("/").removesuffix("/")
    return [unquote(part) for part in text.split("/")] if text else []


@dataclass
class Outcome:
    """What one invocation did, as recorded."""

    status_code: int
    outcome: str  # succeeded | failed | refused
    actions: list[dict[str, Any]] = field(default_factory=list)
    error_code: str | None = None
    error: str | None = None
