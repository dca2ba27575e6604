"""The Events API v2's answer to one event (validated, paced per routing key, ingested), as bytes: the Flask view and
the ASGI server's fast path (sandbox/asgi.py) both answer with it, so the two cannot drift apart."""

import json
from typing import NamedTuple

from sandbox import incidents as inc
from sandbox.state import SandboxState

MAX_EVENT_BYTES = 512 * 1024
CONTENT_TYPE = "application/json"


class Answer(NamedTuple):
    """A status, a JSON body and the headers beside Content-Type and Content-Length."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def json_answer(code: int, headers: tuple[tuple[str, str], ...] = (), **fields: object) -> Answer:
    """An answer with HTTP status `code`, its body written as Flask's jsonify writes it (keys sorted, compact, ASCII,
    a closing newline)."""
    return Answer(code, (json.dumps(fields, sort_keys=True, separators=(",", ":")) + "\n").encode(), headers)


INVALID = "Event object is invalid"
TOO_LARGE = json_answer(
    413, status="invalid event", message=INVALID, errors=["Event object size exceeds the maximum of 512 KB"]
)
NOT_JSON = json_answer(400, status="invalid event", message=INVALID, errors=["Invalid JSON"])
THROTTLED = json_answer(
    429,
    (("Retry-After", "10"),),
    status="throttle event",
    message="Requests for this service are arriving too quickly.",
)


def answer_event(state: SandboxState, raw: bytes, base_url: str) -> Answer:
    """Validate an event as PagerDuty does, pace it per routing key (429 beyond the limit), then ingest it (202)."""
    if len(raw) > MAX_EVENT_BYTES:
        return TOO_LARGE
    try:
        body = json.loads(raw)
    except ValueError:
        return NOT_JSON
    errors = inc.validate_event(body, state.key_to_service.__contains__)
    if errors:
        return json_answer(400, status="invalid event", message=INVALID, errors=errors)
    if not state.allow_event(body["routing_key"]):
        return THROTTLED
    dedup_key = inc.ingest(state, body, base_url)
    return json_answer(202, status="success", message="Event processed", dedup_key=dedup_key)
