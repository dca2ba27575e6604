"""`python -m sandbox --port 5055 [--demo] [--seed FILE] [--events-per-minute N] [--latency-ms MS]`."""

import argparse
import json

from werkzeug.serving import WSGIRequestHandler, run_simple

from sandbox import create_sandbox_app
from sandbox.demo import seed_demo
from sandbox.state import SandboxState


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1, so clients keep their connections open as they do with PagerDuty."""

    protocol_version = "HTTP/1.1"


def main():
    """Run the sandbox until interrupted."""
    parser = argparse.ArgumentParser(description="PagerDuty sandbox for PagerBridge")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--demo", action="store_true", help="seed the demo account")
    parser.add_argument("--seed", help='a JSON seed file ({"accounts": [...]})')
    parser.add_argument("--events-per-minute", type=int, default=120, help="0 for unlimited")
    parser.add_argument("--latency-ms", type=float, default=0, help="answer every PagerDuty call after this long")
    args = parser.parse_args()
    state = SandboxState(events_per_minute=args.events_per_minute or None)
    state.latency_ms = args.latency_ms
    if args.demo:
        seed_demo(state)
    if args.seed:
        with open(args.seed) as handle:
            state.seed(json.load(handle))
    run_simple(args.host, args.port, create_sandbox_app(state), threaded=True, request_handler=KeepAliveHandler)


if __name__ == "__main__":
    main()
