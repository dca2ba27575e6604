"""PagerBridge: the application factory."""

from flask import Flask

from webapp import extensions, hx
from webapp.config import load_config
from webapp.extensions import csrf, db, login_manager, migrate

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
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    extensions.htmx.init_app(app)
    hx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from webapp import models  # noqa: F401  (registers the tables)
    from webapp.auth.services import load_user

    login_manager.user_loader(load_user)
    from webapp.queues import install_session_hooks

    install_session_hooks()
    from webapp.webhooks.credentials import install_session_hooks as install_credential_hooks

    install_credential_hooks()


def register_input_handling(app):
    """Hostile input answered in one place: the `id` URL converter, strict JSON, NUL and integer checks."""
    from webapp.inputs import install

    install(app)


def register_blueprints(app):
    """Mount each area's blueprint and its template helpers."""
    from importlib import import_module

    for name in BLUEPRINTS:
        module = import_module(f"webapp.{name}")
        app.register_blueprint(module.bp)
    from webapp.layout import register_layout

    register_layout(app)


def register_errorhandlers(app):
    """HTML error pages for the browser, the contract's JSON shape under /api."""
    from webapp.errors import register

    register(app)


def register_security(app):
    """Security headers, client addresses through trusted proxies, rate limits."""
    from webapp import ratelimit, security

    security.register(app)
    ratelimit.init_app(app)


def register_observability(app):
    """JSON logs with a line per request, the request id, and what the metrics count in this process."""
    from webapp.logs import configure_logging
    from webapp.metrics.hooks import install_delivery_hooks, note_web_process
    from webapp.request_log import register_request_logging

    configure_logging("web")
    register_request_logging(app)
    app.after_request(note_web_process)
    install_delivery_hooks()


def register_commands(app):
    """The contract's command line (flask --app wsgi ...)."""
    from webapp.commands import register

    register(app)
