"""The sandbox as gunicorn's asyncio (ASGI) worker serves it: Events API calls are answered on the event loop, every
other request goes to the Flask app on a pool of threads.

Why: under the storm (200 events a second, PagerDuty answering in 200 ms) the gthread worker spent 1.0–1.3 ms of CPU per
event: a hand-off from the accepting thread to a pool thread and back for every request, a sleeping thread per call
waiting out the answer time, and Flask's request machinery. Here an event waits on the loop (a timer, no thread) and
is answered by `sandbox.events.answer_event`, the same function the Flask view answers with. While a fault is
injected, and for an event body over 512 KB, the call goes to the Flask view, which answers faults as before.
"""

import asyncio
import io
import sys
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from werkzeug.sansio.utils import get_current_url, get_host

from sandbox.events import CONTENT_TYPE, MAX_EVENT_BYTES, answer_event

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Started = tuple[int, list[tuple[bytes, bytes]], bytes]
# Set on a call that has waited out the answer time on the loop already, so the Flask app does not wait it again.
ANSWERED_LATE = "sandbox.answered_late"


class SandboxASGI:
    """The Flask sandbox app behind an ASGI front that answers `POST /v2/enqueue` itself."""

    def __init__(self, app: Flask, threads: int) -> None:
        self.app = app
        self.state = app.config["SANDBOX_STATE"]
        # Threads for the Flask app: REST calls wait out the answer time (and a hang fault 30 s) on one each.
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="sandbox-flask")
        self.base_urls: dict[tuple[str, bytes | None, Any], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off in the server's settings; no websockets here
            return
        body = await read_body(receive)
        if scope["method"] == "POST" and scope["path"] == "/v2/enqueue" and len(body) <= MAX_EVENT_BYTES:
            await self.enqueue(scope, body, send)
        else:
            await self.to_flask(scope, body, send)

    async def enqueue(self, scope: Scope, body: bytes, send: Send) -> None:
        """Wait PagerDuty's answer time on the loop, then answer the event (the Flask view does while faults are on)."""
        delay = self.state.answer_delay()
        if delay:
            self.state.begin_waiting()
            try:
                await asyncio.sleep(delay)
            finally:
                self.state.end_waiting()
        if self.state.faults:
            await self.to_flask(scope, body, send, {ANSWERED_LATE: True})
            return
        answer = answer_event(self.state, body, self.base_url(scope))
        headers = [(b"Content-Type", CONTENT_TYPE.encode()), (b"Content-Length", str(len(answer.body)).encode())]
        headers += [(name.encode(), value.encode()) for name, value in answer.headers]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    def base_url(self, scope: Scope) -> str:
        """The request's host URL without its slash, as Flask's `request.host_url` gives it (kept per Host header)."""
        host_header = next((value for name, value in scope["headers"] if name == b"host"), None)
        key = (scope["scheme"], host_header, scope["server"])
        if key not in self.base_urls:
            server = tuple(scope["server"]) if scope["server"] else None
            host = get_host(scope["scheme"], host_header.decode("latin-1") if host_header else None, server)
            self.base_urls[key] = get_current_url(scope["scheme"], host).rstrip("/")
        return self.base_urls[key]

    async def to_flask(self, scope: Scope, body: bytes, send: Send, extra: dict[str, Any] | None = None) -> None:
        """Answer with the Flask app, on a thread of the pool."""
        environ = wsgi_environ(scope, body) | (extra or {})
        loop = asyncio.get_running_loop()
        status, headers, content = await loop.run_in_executor(self.pool, call_wsgi, self.app, environ)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


async def read_body(receive: Receive) -> bytes:
    """The whole request body."""
    message = await receive()
    body = message.get("body", b"")
    if not message.get("more_body"):
        return body
    parts = [body]
    while message.get("more_body"):
        message = await receive()
        parts.append(message.get("body", b""))
    return b"".join(parts)


def wsgi_environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """A WSGI environ for an ASGI HTTP request (PEP 3333: paths as latin-1 strings of their UTF-8 bytes)."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode().decode("latin-1"),
        "PATH_INFO": scope["path"].encode().decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope["scheme"],
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").upper().replace("-", "_"), raw_value.decode("latin-1")
        key = name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{name}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    if body or "CONTENT_LENGTH" in environ:
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def call_wsgi(app: Flask, environ: dict[str, Any]) -> Started:
    """Run a WSGI app to the end: (status, headers as bytes, the whole body). Header names keep the app's case, as
    under a WSGI server."""
    started: list[Any] = []
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        started[:] = [status, headers]
        return chunks.append

    result: Iterable[bytes] = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    encoded = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    return int(status.split(" ", 1)[0]), encoded, b"".join(chunks)
