"""Hooks registered in Python by file-based extensions (operator code, trusted, loaded at start):
`sdk.emitter.on_filter/on_action/off_filter/off_action(event, handler)`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Handler = Callable[..., Any | Awaitable[Any]]  # filter: (payload, meta, context); action: (meta, context)


class Registry:
    def __init__(self) -> None:
        self._filters: dict[str, list[Handler]] = {}
        self._actions: dict[str, list[Handler]] = {}

    def on_filter(self, event: str, handler: Handler) -> None:
        self._filters.setdefault(event, []).append(handler)

    def on_action(self, event: str, handler: Handler) -> None:
        self._actions.setdefault(event, []).append(handler)

    def off_filter(self, event: str, handler: Handler) -> None:
        _remove(self._filters, event, handler)

    def off_action(self, event: str, handler: Handler) -> None:
        _remove(self._actions, event, handler)

    def filters(self, names: tuple[str, ...] | list[str]) -> list[Handler]:
        return [h for name in names for h in self._filters.get(name, ())]

    def actions(self, names: tuple[str, ...] | list[str]) -> list[tuple[str, int, Handler]]:
        """(event, index, handler): the pair names the handler in a queued run, the same in every
        process that loaded the same extensions."""
        return [(name, i, h) for name in names for i, h in enumerate(self._actions.get(name, ()))]

    def action(self, event: str, index: int) -> Handler | None:
        handlers = self._actions.get(event, [])
        return handlers[index] if 0 <= index < len(handlers) else None

    @property
    def has_actions(self) -> bool:
        return any(self._actions.values())


def _remove(table: dict[str, list[Handler]], event: str, handler: Handler) -> None:
    if handler in table.get(event, []):
        table[event].remove(handler)
