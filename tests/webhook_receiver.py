"""A local HTTP server that receives webhooks for the tests: it records every request and answers
what the test scripts per path (a status, a delay)."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    statuses: list[int] = field(default_factory=list)  # answered in turn; then `then`
    then: int = 200
    delay: float = 0.0


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.scripts: dict[str, Script] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (the http.server API)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died mid-request (killed-worker tests): nothing arrived
                    self.close_connection = True
                    return
                with receiver.lock:
                    receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    script = receiver.scripts.setdefault(self.path, Script())
                    status = script.statuses.pop(0) if script.statuses else script.then
                    delay = script.delay
                if delay:
                    time.sleep(delay)
                answer = b'{"ok": true}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the sender gave up waiting (timeout tests): nobody to answer

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    def script(self, path: str, *statuses: int, then: int = 200, delay: float = 0.0) -> None:
        with self.lock:
            self.scripts[path] = Script(list(statuses), then, delay)

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    async def wait_for(self, path: str, count: int = 1, *, timeout: float = 15.0, drive: Any = None) -> list[Received]:
        """The first `count` requests to `path`; `drive` (an async callable) runs between looks."""
        deadline = time.monotonic() + timeout
        while len(found := self.at(path)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} request(s) at {path}, got {len(found)}")
            if drive is not None:
                await drive()
            await asyncio.sleep(0.05)
        return found

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
