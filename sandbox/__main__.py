"""`python -m sandbox --port 5055 [--demo] [--seed FILE] [--events-per-minute N] [--latency-ms MS]`."""

import argparse
import json

from gunicorn.app.base import BaseApplication

from sandbox import create_sandbox_app
from sandbox.asgi import SandboxASGI
from sandbox.demo import seed_demo
from sandbox.state import SandboxState

# Events API calls wait out --latency-ms on the event loop; REST calls and faulted events wait on one of these threads
# each (a "hang" fault 30 s): enough for a storm's calls at once.
THREADS = 256


class SandboxServer(BaseApplication):
    """The sandbox under gunicorn: one process (its state is in memory), keep-alive connections as PagerDuty keeps
    them (werkzeug's development server closes every connection after one answer, so each call paid a new TCP
    connection on both sides). gunicorn's asyncio worker, not gthread: Events API calls are answered on its loop
    (sandbox/asgi.py), for about a third of the CPU per event (docs/benchmarks-engine.md)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        super().__init__()

    def load_config(self) -> None:
        settings = {
            "bind": f"{self.args.host}:{self.args.port}",
            "workers": 1,
            "worker_class": "asgi",
            "asgi_lifespan": "off",
            "keepalive": 75,
            "timeout": 120,
            "graceful_timeout": 2,
            "loglevel": "warning",
        }
        for name, value in settings.items():
            self.cfg.set(name, value)

    def load(self):
        """The app with its state, built in the serving process (its webhook threads start there)."""
        args = self.args
        state = SandboxState(events_per_minute=args.events_per_minute or None)
        state.latency_ms = args.latency_ms
        if args.demo:
            seed_demo(state)
        if args.seed:
            with open(args.seed) as handle:
                state.seed(json.load(handle))
        return SandboxASGI(create_sandbox_app(state), THREADS)


def main():
    """Run the sandbox until interrupted."""
    parser = argparse.ArgumentParser(description="PagerDuty sandbox for PagerBridge")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--demo", action="store_true", help="seed the demo account")
    parser.add_argument("--seed", help='a JSON seed file ({"accounts": [...]})')
    parser.add_argument("--events-per-minute", type=int, default=120, help="0 for unlimited")
    parser.add_argument("--latency-ms", type=float, default=0, help="answer every PagerDuty call after this long")
    SandboxServer(parser.parse_args()).run()


if __name__ == "__main__":
    main()
