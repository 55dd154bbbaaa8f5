"""The connection layer driven byte by byte, without a socket: a fake transport, a protocol whose app
records each scope, and request builders."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from {{ cookiecutter.package }}.serving.http.admission import Admission
from {{ cookiecutter.package }}.serving.http.connection import GuardedProtocol
from {{ cookiecutter.package }}.serving.http.transport import Limits

LIMITS = Limits(max_headers=10, max_header_bytes=2048, header_timeout_s=0.2)


class Transport(asyncio.Transport):
    """What the protocol writes, and whether it closed or half-closed the connection."""

    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = self.eof = self.paused = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def status(self) -> int | None:
        return int(self.written.split(b" ", 2)[1]) if self.written else None


Scopes = list[dict[str, Any]]
Test = Callable[[GuardedProtocol, Transport, Scopes], Awaitable[None]]
App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


async def answer_204(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def run(
    test: Test, limits: Limits = LIMITS, admission: Admission | None = None, app: App = answer_204
) -> None:
    """Run test against a connection whose app records each scope, then runs `app` (answers 204)."""
    scopes: Scopes = []

    async def recording(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scopes.append(scope)
        await app(scope, receive, send)

    async def main() -> None:
        config = Config(app=recording, http=GuardedProtocol, lifespan="off", log_config=None)
        config.load()
        protocol = GuardedProtocol(
            config=config,
            server_state=ServerState(),
            app_state={},
            limits=limits,
            admission=admission or Admission(limit=100),
        )
        transport = Transport()
        protocol.connection_made(transport)
        await test(protocol, transport, scopes)
        protocol.connection_lost(None)

    asyncio.run(main())


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0.01)


def head(*headers: str, method: str = "GET", path: str = "/healthz") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: test", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def error_of(transport: Transport) -> str:
    message: str = json.loads(transport.written.partition(b"\r\n\r\n")[2])["error"]
    return message


def post(body: bytes = b"{}", *headers: str) -> bytes:
    return head(f"Content-Length: {len(body)}", *headers, method="POST", path="/predict") + body
