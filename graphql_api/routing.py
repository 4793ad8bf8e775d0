"""Starlette's router, indexed by the first two path segments.

Starlette tries every route's regular expression in order until one matches; with a route per
documented path that was about 30 regex matches per request. This router tries only the routes
whose literal first segments fit the request's, in the same order, so the first match is the
one Starlette would pick. Requests nothing matches (404s, trailing-slash redirects) go through
Starlette's own full scan.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Match, Route, Router, WebSocketRoute
from starlette.types import Receive, Scope, Send

Key = tuple[str, ...]


class IndexedRouter(Router):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._indexed: tuple[int, dict[Key, list[BaseRoute]], dict[Key, list[int]], list[int]] | None = None

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await super().app(scope, receive, send)
            return
        partial = None
        for route in self._candidates(scope["path"]):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope.setdefault("router", self)
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:  # e.g. the path exists with another method: 405
            scope.setdefault("router", self)
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        await super().app(scope, receive, send)

    def _candidates(self, path: str) -> list[BaseRoute]:
        exact, by_first, generic = self._index()
        segments = tuple(path.strip("/").split("/", 2)[:2])
        found = exact.get(segments)
        if found is not None:
            return found
        positions = sorted([*by_first.get(segments[:1], ()), *generic])
        return [self.routes[i] for i in positions]

    def _index(self) -> tuple[dict[Key, list[BaseRoute]], dict[Key, list[int]], list[int]]:
        """Built on first use (and again if routes were added), from `self.routes`."""
        if self._indexed is not None and self._indexed[0] == len(self.routes):
            return self._indexed[1], self._indexed[2], self._indexed[3]
        by_two: dict[Key, list[int]] = {}
        by_first: dict[Key, list[int]] = {}
        generic: list[int] = []
        for position, route in enumerate(self.routes):
            literal = _literal_prefix(route)
            if len(literal) == 2 or (literal and _segment_count(route) == 1):
                by_two.setdefault(literal, []).append(position)
            elif literal:
                by_first.setdefault(literal, []).append(position)
            else:
                generic.append(position)
        exact = {
            key: [self.routes[i] for i in sorted([*positions, *by_first.get(key[:1], ()), *generic])]
            for key, positions in by_two.items()
        }
        self._indexed = (len(self.routes), exact, by_first, generic)
        return exact, by_first, generic


def _literal_prefix(route: BaseRoute) -> Key:
    """Up to two leading segments without parameters; () when the route cannot be indexed."""
    if not isinstance(route, (Route, WebSocketRoute)):
        return ()
    prefix: list[str] = []
    for segment in route.path.strip("/").split("/")[:2]:
        if "{" in segment:
            break
        prefix.append(segment)
    return tuple(prefix)


def _segment_count(route: BaseRoute) -> int:
    return len(route.path.strip("/").split("/")) if isinstance(route, (Route, WebSocketRoute)) else 0
