"""The sandbox as gunicorn's asyncio (ASGI) worker serves it: Events API calls are answered on the event loop, every
other request goes to the Flask app on a pool of threads.

Why: under the storm (200 events a second, PagerDuty answering in 200 ms) the gthread worker spent 1.0–1.3 ms of CPU per
event: a hand-off from the accepting thread to a pool thread and back for every request, a sleeping thread per call
waiting out the answer time, and Flask's request machinery. Here an event waits on the loop (a timer, no thread) and
is answered by `sandbox.events.answer_event`, the same function the Flask view answers with. While a fault is
injected, and for an event body over 512 KB, the call goes to the Flask view, which answers faults as before.
"""

import asyncio
from typing import Any

from a2wsgi import WSGIMiddleware
from a2wsgi.asgi_typing import Receive, Scope, Send
from flask import Flask
from werkzeug.sansio.utils import get_current_url, get_host

from sandbox.events import CONTENT_TYPE, MAX_EVENT_BYTES, answer_event

# Set in the scope (Flask sees it as environ["asgi.scope"]) of a call that has waited out the answer time on the
# loop already, so the Flask app does not wait it again.
ANSWERED_LATE = "sandbox.answered_late"


class SandboxASGI:
    """The Flask sandbox app behind an ASGI front that answers `POST /v2/enqueue` itself."""

    def __init__(self, app: Flask, threads: int) -> None:
        self.state = app.config["SANDBOX_STATE"]
        # Threads for the Flask app: REST calls wait out the answer time (and a hang fault 30 s) on one each.
        self.flask = WSGIMiddleware(app, workers=threads)
        self.base_urls: dict[tuple[str, bytes | None, Any], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/v2/enqueue":
            body = await read_body(receive)
            if len(body) <= MAX_EVENT_BYTES:
                await self.enqueue(scope, body, send)
                return
            receive = replay(body)
        await self.flask(scope, receive, send)

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
            await self.flask({**scope, ANSWERED_LATE: True}, replay(body), send)  # type: ignore[typeddict-unknown-key]
            return
        answer = answer_event(self.state, body, self.base_url(scope))
        headers = [(b"Content-Type", CONTENT_TYPE.encode()), (b"Content-Length", str(len(answer.body)).encode())]
        headers += [(name.encode(), value.encode()) for name, value in answer.headers]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body, "more_body": False})

    def base_url(self, scope: Scope) -> str:
        """The request's host URL without its slash, as Flask's `request.host_url` gives it (kept per Host header)."""
        host_header = next((value for name, value in scope["headers"] if name == b"host"), None)
        key = (scope["scheme"], host_header, scope["server"])
        if key not in self.base_urls:
            server = tuple(scope["server"]) if scope["server"] else None
            host = get_host(scope["scheme"], host_header.decode("latin-1") if host_header else None, server)
            self.base_urls[key] = get_current_url(scope["scheme"], host).rstrip("/")
        return self.base_urls[key]


async def read_body(receive: Receive) -> bytes:
    """The whole request body."""
    parts, more = [], True
    while more:
        message = await receive()
        parts.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(parts)


def replay(body: bytes) -> Receive:
    """A `receive` that gives a body already read, for the Flask app to read again."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Any:
        return messages.pop() if messages else {"type": "http.disconnect"}

    return receive
