"""The PagerDuty sandbox: a small local stand-in for PagerDuty's REST and Events APIs, for dev and tests."""

from flask import Flask

from sandbox.state import SandboxState


def create_sandbox_app(state=None):
    """A Flask app serving PagerDuty's paths from an in-memory state."""
    app = Flask(__name__)
    app.config["SANDBOX_STATE"] = state if state is not None else SandboxState()
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    from sandbox.api import bp as api
    from sandbox.control import control, ui

    app.register_blueprint(api)
    app.register_blueprint(ui)
    app.register_blueprint(control)
    from sandbox.api_subscriptions import controls

    app.register_blueprint(controls)
    from sandbox.story import story, story_ui

    app.register_blueprint(story)
    app.register_blueprint(story_ui)
    return app
