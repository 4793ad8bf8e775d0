"""The loop every background worker shares: run passes until one finds nothing to do, then wait
for a wake (work queued by this process, after commit) or the poll interval (work queued by
another process, or left by a dead one). Each worker claims its work in the database, so any
number of processes may run it."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import os
import socket

log = logging.getLogger("basalt.workers")


def worker_name() -> str:
    """Who holds a claim: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class PollingWorker(abc.ABC):
    label = "worker"

    def __init__(self, *, worker_id: str | None = None, poll_seconds: float = 1.0) -> None:
        self.worker_id = worker_id or worker_name()
        self.poll_seconds = poll_seconds
        self.wake = asyncio.Event()

    @abc.abstractmethod
    async def run_once(self) -> bool:
        """One pass; False when there was nothing to do."""

    async def between_passes(self) -> None:
        """Periodic chores after the work is done (housekeeping)."""

    async def run_forever(self) -> None:
        while True:
            try:
                busy = True
                while busy:
                    busy = await self.run_once()
                await self.between_passes()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s pass failed; retrying", self.label)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.poll_seconds)
            self.wake.clear()
