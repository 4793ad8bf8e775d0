"""Templates in action configs: `{{request.body.x}}`, `{{request.query.x}}`, `{{request.params.x}}`,
`{{event.data.x}}`, `{{auth.user_id}}`, `{{auth.email}}`, `{{auth.account_id}}`,
`{{actions[N].result}}` (and paths below it), `{{now}}`.

A template that is the whole value keeps the JSON type of what it names; one inside a string is
interpolated as text (objects and lists as JSON). Paths walk plain data only: dict keys and list
indexes, never attributes, and no segment may start with an underscore. Anything that is not such
a path (`{{7*7}}`, `{{request.body.__class__}}`) is left literally as written; a valid path that
names nothing is null (whole value) or empty text.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from models import jsoncodec

TEMPLATE = re.compile(r"\{\{\s*([^{}]{0,200}?)\s*\}\}")
PATH = re.compile(r"^(?:now|[a-z][a-z_]*(?:\.[A-Za-z0-9][A-Za-z0-9_-]*|\[\d{1,4}\])*)$")
ROOTS = ("request", "event", "auth", "actions", "now", "record", "job", "automation")
MAX_DEPTH = 32
_LITERAL = object()


def render(value: Any, context: dict[str, Any], *, depth: int = 0) -> Any:
    """`value` with every template resolved (dicts and lists walked)."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, str):
        return render_text(value, context)
    if isinstance(value, list):
        return [render(v, context, depth=depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: render(v, context, depth=depth + 1) for k, v in value.items()}
    return value


def render_text(text: str, context: dict[str, Any]) -> Any:
    whole = TEMPLATE.fullmatch(text.strip()) if text.strip().startswith("{{") else None
    if whole is not None:
        found = lookup(whole.group(1), context)
        return text if found is _LITERAL else found

    def interpolate(match: re.Match[str]) -> str:
        found = lookup(match.group(1), context)
        if found is _LITERAL:
            return match.group(0)
        return as_text(found)

    return TEMPLATE.sub(interpolate, text)


def as_text(value: Any) -> str:
    """A value as a template puts it inside text: objects and lists as JSON, booleans as
    true/false, null as nothing."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return jsoncodec.dumps(value)
    return _text(value)


def lookup(path: str, context: dict[str, Any]) -> Any:
    """The value at `path`, None when nothing is there, or the marker for "not a template path"."""
    if not PATH.match(path) or path.split(".", 1)[0].split("[", 1)[0] not in ROOTS:
        return _LITERAL
    if path == "now":
        return context.get("now") or datetime.now(timezone.utc).isoformat()
    current: Any = context
    for key in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if key.startswith("["):
            index = int(key[1:-1])
            current = current[index] if isinstance(current, list) and index < len(current) else None
        elif isinstance(current, dict):
            current = current.get(key)
        else:
            current = None
        if current is None:
            return None
    return current


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
