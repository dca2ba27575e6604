"""The users page: admins only, htmx partials, errors next to fields."""

from webapp.models import User


def test_members_get_403(member_client):
    assert member_client.get("/settings/users/").status_code == 403
    assert member_client.post("/settings/users/", data={"email": "x@example.com"}).status_code == 403


def test_admin_lists_users(admin_client, org):
    body = admin_client.get("/settings/users/").get_data(as_text=True)
    assert org.admin_email in body and org.member_email in body


def test_htmx_gets_only_the_section(htmx_client):
    response = htmx_client.get("/settings/users/", headers={"HX-Target": "users-section"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="users-section"') and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_add_user_with_htmx_toasts(htmx_client, db, org):
    response = htmx_client.post(
        "/settings/users/",
        data={"email": "new@example.com", "role": "member", "password": "long-enough-pw", "name": "New"},
        headers={"HX-Target": "users-section"},
    )
    assert response.status_code == 200
    assert "Added new@example.com." in response.headers["HX-Trigger"]
    assert db.session.scalar(db.select(User).filter_by(email="new@example.com")).org_id == org.id


def test_boosted_and_history_restore_requests_get_the_whole_page(htmx_client):
    for header in ("HX-Boosted", "HX-History-Restore-Request"):
        response = htmx_client.get("/settings/users/", headers={"HX-Target": "users-section", header: "true"})
        assert "<html" in response.get_data(as_text=True) and "HX-Request" in response.headers["Vary"]


def test_duplicate_email_error_is_next_to_the_field(htmx_client, org):
    response = htmx_client.post(
        "/settings/users/", data={"email": org.member_email, "role": "member", "password": "long-enough-pw"}
    )
    assert response.status_code == 409
    assert "cannot be used for a new user" in response.get_data(as_text=True)


def test_demoting_last_admin_is_refused(htmx_client, org):
    response = htmx_client.post(f"/settings/users/{org.admin.id}/role", data={"role": "member"})
    assert response.status_code == 409 and "at least one admin" in response.headers["HX-Trigger"]


def test_other_orgs_user_is_404(htmx_client, db):
    from tests.factories import org_with_users

    other = org_with_users()
    response = htmx_client.post(f"/settings/users/{other.member.id}/delete")
    assert response.status_code == 404
    assert db.session.get(User, other.member.id) is not None
