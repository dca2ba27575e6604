"""Every CLI command that changes something commits it: each runs as its own process and the test reads back."""

import json

from tests.commands.process import flask_cli, output
from tests.conftest import PD_TOKEN
from webapp.models import ApiToken, Connection, JobRun, Org, Service, User, WebhookSecret


def test_pagerduty_connect_after_a_disconnect_commits_the_restored_keys(db, connected):
    from webapp.routing import services as routing
    from webapp.routing.sync import run_sync

    run_sync(connected.id)
    platform = db.session.scalar(db.select(Service).filter_by(pd_id="PPLAT01"))
    routing.set_default(connected.id, routing.configure_service(connected.id, platform.id).id)
    output("pagerduty", "disconnect", "--org", connected.slug)
    assert db.session.scalar(db.select(Service).filter_by(pd_id="PPLAT01")).integration_key is None
    assert db.session.scalar(db.select(Connection)).state == "disconnected"

    said = output("pagerduty", "connect", "--org", connected.slug, "--api-token", PD_TOKEN)
    assert "Connected" in said and "Routes restored for 1 services" in said, said
    restored = db.session.scalar(db.select(Service).filter_by(pd_id="PPLAT01"))
    assert restored.integration_key and restored.is_default  # read back from what the process committed
    assert db.session.scalar(db.select(Connection)).state == "connected"


def test_orgs_users_tokens_commit(db):
    output("orgs", "create", "initech", "--name", "Initech")
    output(
        "users", "create", "peter@initech.com", "--org", "initech", "--role", "admin", "--password", "a-long-password"
    )
    token = output("tokens", "create", "--org", "initech", "--name", "ci").strip()
    org = db.session.scalar(db.select(Org).filter_by(slug="initech"))
    assert org.name == "Initech"
    assert db.session.scalar(db.select(User).filter_by(email="peter@initech.com")).role == "admin"
    stored = db.session.scalar(db.select(ApiToken).filter_by(org_id=org.id))
    assert token and stored.name == "ci"
    output("tokens", "revoke", "--org", "initech", str(stored.id))
    db.session.refresh(stored)
    assert stored.revoked_at is not None


def test_a_failing_command_commits_nothing(db, org):
    result = flask_cli(
        "users", "create", "x@example.com", "--org", org.slug, "--role", "admin", "--password", "short", check=False
    )
    assert result.returncode != 0
    assert db.session.scalar(db.select(User).filter_by(email="x@example.com")) is None


def test_settings_import_commits(db, org, tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"sla_policy": {"at_risk_percent": 37}}))
    assert "Applied settings" in output("settings", "import", "--org", org.slug, str(path))
    exported = json.loads(output("settings", "export", "--org", org.slug))
    assert exported["sla_policy"]["at_risk_percent"] == 37


def test_subscribe_and_health_commit(db, connected):
    subscription = output("pagerduty", "subscribe", "--org", connected.slug).strip()
    connection = db.session.scalar(db.select(Connection))
    assert connection.webhook_subscription_id == subscription
    assert db.session.scalar(db.select(WebhookSecret).filter_by(source="pagerduty", retired_at=None)) is not None
    assert "no findings" in output("jobs", "run", "health", "--org", connected.slug)
    assert db.session.scalar(db.select(db.func.count()).select_from(JobRun)) == 0  # the CLI polls nothing


def test_services_sync_commits(db, connected):
    output("jobs", "run", "services", "--org", connected.slug)
    assert {s.pd_id for s in db.session.scalars(db.select(Service))} >= {"PPLAT01", "PVDP001"}


def test_every_command_is_wrapped_to_commit(app):
    from webapp.commands import committing  # noqa: F401  (the wrapper register() applies)

    def commands(group, prefix=()):
        for name, command in getattr(group, "commands", {}).items():
            if hasattr(command, "commands"):
                yield from commands(command, (*prefix, name))
            else:
                yield (*prefix, name), command

    found = dict(commands(app.cli))
    ours = {
        path: c
        for path, c in found.items()
        if path[0] in {"orgs", "users", "tokens", "secrets", "jobs", "settings", "demo", "pagerduty"}
    }
    assert ("pagerduty", "connect") in ours
    assert all(getattr(c.callback, "commits", False) for c in ours.values()), [
        p for p, c in ours.items() if not getattr(c.callback, "commits", False)
    ]
