"""A request's query string as {name: [values]}, read the way Starlette's `QueryParams` reads it.

Starlette builds a multidict through `urllib.parse.parse_qsl`, which unquotes every name and
value (a replace and a call each) whether or not it holds an escape: about 10 µs of a
list request's CPU for five parameters. Here a name or value without `%` or `+` is taken as it is, and
any other goes through the same `unquote`, so names and values come out identical (the tests
compare both on hostile input).
"""

from __future__ import annotations

from urllib.parse import unquote

QueryValues = dict[str, list[str]]


def query_values(raw: bytes) -> QueryValues:
    """Every value of every name, in order (the last one is what `QueryParams.get` returns)."""
    values: QueryValues = {}
    if not raw:
        return values
    for piece in raw.decode("latin-1").split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        name, value = _unquoted(name), _unquoted(value)
        found = values.get(name)
        if found is None:
            values[name] = [value]
        else:
            found.append(value)
    return values


def _unquoted(text: str) -> str:
    """`parse_qsl`'s unquoting, skipped for text that holds nothing to unquote."""
    if "%" in text or "+" in text:
        return unquote(text.replace("+", " "), errors="replace")
    return text


def last(values: QueryValues, name: str) -> str | None:
    """The value `QueryParams.get(name)` gives: the last one sent."""
    found = values.get(name)
    return found[-1] if found else None
