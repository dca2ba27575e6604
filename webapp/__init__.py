"""PagerBridge: the application factory."""

from flask import Flask

from webapp import extensions, hx
from webapp.config import load_config
from webapp.dbpool import ping_idle_connections
from webapp.extensions import csrf, db, login_manager, migrate

# The imports below sit inside the functions on purpose: this module runs first whenever any `webapp.*` module is
# imported (a job, a test, `webapp.config`), and the factory is the one place that wires every area together.
BLUEPRINTS = (
    "auth",
    "main",
    "analytics",
    "users",
    "connection",
    "alerts",
    "deliveries",
    "routing",
    "oncall",
    "reports",
    "vdp",
    "incidents",
    "sla",
    "webhooks",
    "api",
    "tokens",
    "transfer",
    "audit",
    "metrics",
    "operations",
)


def create_app(overrides=None):
    """Build the app: config from the environment (plus test overrides), extensions, blueprints, commands."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=True)
    app.config.update(load_config())
    app.config.update(overrides or {})
    register_extensions(app)
    register_input_handling(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_observability(app)
    register_commands(app)
    return app


def register_extensions(app):
    """Bind the extensions and the models to this app."""
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    extensions.htmx.init_app(app)
    hx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from webapp import models  # noqa: F401  # why: registers the tables, once an app is built
    from webapp.auth.services import load_user  # why: the factory wires the areas (see the note above)

    login_manager.user_loader(load_user)
    from webapp.queues import install_session_hooks  # why: the factory wires the areas

    install_session_hooks()
    # why: the factory wires the areas
    from webapp.webhooks.credentials import install_session_hooks as install_credential_hooks

    install_credential_hooks()


def register_input_handling(app):
    """Hostile input answered in one place: the `id` URL converter, strict JSON, NUL and integer checks."""
    from webapp.inputs import install  # why: the factory wires the areas

    install(app)


def register_blueprints(app):
    """Mount each area's blueprint and its template helpers."""
    from importlib import import_module

    for name in BLUEPRINTS:
        views = import_module(f"webapp.{name}.views")
        app.register_blueprint(views.bp)
    from webapp.layout import register_layout  # why: the layout reads every area's services

    register_layout(app)


def register_errorhandlers(app):
    """HTML error pages for the browser, the contract's JSON shape under /api."""
    from webapp.error_pages import register  # why: the error pages read health and main

    register(app)


def register_security(app):
    """Security headers, client addresses through trusted proxies, rate limits."""
    from webapp import ratelimit, security  # why: the rate limit reads the API's tokens

    security.register(app)
    ratelimit.init_app(app)


def register_observability(app):
    """JSON logs with a line per request, the request id, and what the metrics count in this process."""
    from webapp.logs import configure_logging  # why: the factory wires the areas

    # why: metrics sit above every area they count; the client is handed their hook here
    from webapp.metrics.hooks import install_delivery_hooks, note_web_process, pagerduty_answered
    from webapp.pagerduty import client  # why: the factory wires the areas
    from webapp.request_log import register_request_logging  # why: the factory wires the areas

    configure_logging("web")
    register_request_logging(app)
    app.after_request(note_web_process)
    install_delivery_hooks()
    client.on_answer(pagerduty_answered)


def register_commands(app):
    """The contract's command line (flask --app wsgi ...)."""
    from webapp.commands import register  # why: the CLI imports every area's services

    register(app)
