"""Running the sandbox in a background thread for tests and benchmarks."""

import threading
from dataclasses import dataclass

from werkzeug.serving import WSGIRequestHandler, make_server

from sandbox import create_sandbox_app
from sandbox.state import SandboxState


@dataclass
class SandboxHandle:
    """A running sandbox: its base URL, its state (for seeding and assertions) and how to stop it."""

    url: str
    state: SandboxState
    server: object

    def stop(self):
        """Shut the server down."""
        self.server.shutdown()


class QuietHandler(WSGIRequestHandler):
    """No access log lines in test output."""

    def log_request(self, *args, **kwargs):
        pass


def start_sandbox(port=0, events_per_minute=None):
    """Serve a fresh sandbox on 127.0.0.1 (port 0: any free port) in a daemon thread."""
    state = SandboxState(events_per_minute=events_per_minute)
    server = make_server("127.0.0.1", port, create_sandbox_app(state), threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return SandboxHandle(f"http://127.0.0.1:{server.server_port}", state, server)
