"""Named tokens: listed and revoked from the CLI; a revoked token answers 401 at once, with a Bearer challenge."""

from datetime import timedelta

import time_machine


def test_every_401_carries_a_bearer_challenge(client, org):
    missing = client.get("/api/v1/reports")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/api/v1/reports", headers={"Authorization": "Bearer pb_nope"})
    assert wrong.status_code == 401 and 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]
    assert set(wrong.json["error"]) == {"code", "message", "fields"}


def test_tokens_list_then_revoke_turns_the_next_call_into_401(runner, api, org):
    created = runner.invoke(args=["tokens", "create", "--org", org.slug, "--name", "scanner"])
    assert created.exit_code == 0
    token = created.output.strip()
    from tests.factories import ApiClient

    scanner = ApiClient(api.client, token)
    assert scanner.get("/").status_code == 200
    listed = runner.invoke(args=["tokens", "list", "--org", org.slug])
    line = next(line for line in listed.output.splitlines() if "scanner" in line)
    token_id = line.split("\t")[0]
    assert token_id.isdigit() and "created" in line and "last used 20" in line and line.endswith("active")
    revoked = runner.invoke(args=["tokens", "revoke", "--org", org.slug, token_id])
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    refused = scanner.get("/reports")
    assert (
        refused.status_code == 401
        and 'Bearer realm="PagerBridge API", error="invalid_token"' in refused.headers["WWW-Authenticate"]
    )
    assert api.get("/").status_code == 200  # the org's other token still works
    after = runner.invoke(args=["tokens", "list", "--org", org.slug]).output
    assert "revoked 20" in next(line for line in after.splitlines() if line.startswith(token_id + "\t"))


def test_revoke_is_org_scoped(runner, db, org):
    from tests.factories import org_with_users
    from webapp.api.services import tokens_of

    other = org_with_users()
    theirs = tokens_of(other.id)[0].id
    result = runner.invoke(args=["tokens", "revoke", "--org", org.slug, str(theirs)])
    assert result.exit_code != 0 and "No such API token" in result.output
    assert tokens_of(other.id)[0].revoked_at is None


def test_last_used_is_written_once_a_minute_at_most(api, db, org):
    from tests.sql import recorded
    from webapp.api.services import tokens_of
    from webapp.models.types import utcnow

    api.get("/")
    first = tokens_of(org.id)[0].last_used_at
    with recorded(db.engine) as sql:
        api.get("/")
    assert first and not [s for s in sql if s.lstrip().upper().startswith("UPDATE")]
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        api.get("/")
    db.session.expire_all()
    assert tokens_of(org.id)[0].last_used_at > first
