"""Issue 22: a removed user's session or remember cookie never signs in the next user, and sessions carry a random
per-user secret rather than a counter."""

from tests.conftest import PASSWORD, login
from webapp.models import User


def _signed_in(client):
    response = client.get("/reports/")
    return response.status_code == 200


def test_a_removed_users_cookies_never_sign_in_the_next_user(app, org, admin_client, db):
    from webapp.orgs.services import create_org
    from webapp.users.services import create_user

    member = login(app, org.member_email)
    remembered = app.test_client()
    assert (
        remembered.post("/login", data={"email": org.member_email, "password": PASSWORD, "remember": "y"}).status_code
        == 302
    )
    remembered.delete_cookie("session")  # only the remember cookie is left
    assert _signed_in(member) and _signed_in(remembered)
    removed_id = org.member.id
    assert admin_client.post(f"/settings/users/{removed_id}/delete").status_code in (200, 302)

    other = create_org("next-org", "Next Org")
    newcomer = create_user(other.id, "newcomer@example.com", "admin", PASSWORD)
    assert newcomer.id != removed_id  # ids are never reused (AUTOINCREMENT on SQLite, sequences on PostgreSQL)
    assert not _signed_in(member) and not _signed_in(remembered)


def test_the_session_carries_a_random_secret_that_sign_out_everywhere_replaces(app, org, db):
    client = login(app, org.member_email)
    with client.session_transaction() as session:
        user_id, _, secret = session["_user_id"].partition(":")
    user = db.session.get(User, int(user_id))
    assert len(secret) >= 40 and secret == user.session_secret
    assert secret != db.session.get(User, org.admin.id).session_secret
    from webapp.auth.services import end_sessions

    end_sessions(user.id)
    assert not _signed_in(client)


def test_a_forged_or_guessed_session_id_signs_nobody_in(app, org, db):
    from webapp.auth.services import load_user

    assert load_user(f"{org.member.id}:1") is None
    assert load_user(f"{org.member.id}:") is None
    assert load_user("99999999999:x") is None
    assert load_user(f"{org.member.id}:{db.session.get(User, org.member.id).session_secret}").id == org.member.id
