"""The contract's command line."""

import json

from webapp.models import Org, User


def test_orgs_users_tokens(runner, db, api):
    result = runner.invoke(args=["orgs", "create", "globex", "--name", "Globex Corp"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(Org).filter_by(slug="globex")).name == "Globex Corp"
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Boss@Globex.com",
            "--org",
            "globex",
            "--role",
            "admin",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User).filter_by(email="boss@globex.com")).role == "admin"
    result = runner.invoke(args=["tokens", "create", "--org", "globex"])
    assert result.exit_code == 0
    api.token = result.output.strip()
    assert api.get("/").json["org"]["slug"] == "globex"


def test_bad_arguments_exit_non_zero_with_a_reason(runner, db):
    result = runner.invoke(args=["orgs", "create", "Not A Slug", "--name", "x"])
    assert result.exit_code != 0 and "slug" in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "x@example.com",
            "--org",
            "missing",
            "--role",
            "admin",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code != 0 and "No org" in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "x@example.com",
            "--org",
            "missing",
            "--role",
            "owner",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code != 0
    result = runner.invoke(
        args=["users", "create", "not-an-email", "--org", "missing", "--role", "admin", "--password", "a-long-password"]
    )
    assert result.exit_code != 0 and "EMAIL" in result.output


def test_duplicate_org_is_refused(runner, org):
    result = runner.invoke(args=["orgs", "create", org.slug, "--name", "Again"])
    assert result.exit_code != 0 and "already exists" in result.output


def test_settings_export_is_json_without_secrets(runner, org):
    result = runner.invoke(args=["settings", "export", "--org", org.slug])
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.output), dict)


def test_settings_import_refuses_unknown_sections(runner, org, tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"no_such_section": {}}))
    result = runner.invoke(args=["settings", "import", "--org", org.slug, str(path)])
    assert result.exit_code != 0 and "no_such_section" in result.output
    path.write_text("{not json")
    result = runner.invoke(args=["settings", "import", "--org", org.slug, str(path)])
    assert result.exit_code != 0 and "not valid JSON" in result.output


def test_secrets_rotate_runs(runner, db):
    result = runner.invoke(args=["secrets", "rotate"])
    assert result.exit_code == 0 and "Re-encrypted" in result.output


def test_jobs_run_rejects_unknown_job(runner, db):
    result = runner.invoke(args=["jobs", "run", "nope"])
    assert result.exit_code != 0
