"""Settings → API tokens: create (shown once), list, revoke."""

import re


def test_create_shows_the_token_once_and_it_works(htmx_client, client, org):
    created = htmx_client.post("/settings/tokens/", data={"name": "scanner"})
    page = created.get_data(as_text=True)
    assert created.status_code == 200 and "Token created" in created.headers["HX-Trigger"]
    assert created.headers["Cache-Control"] == "no-store"
    token = re.search(r'<input[^>]*value="(pb_[^"]+)"[^>]*id="new-token-value"', page).group(1)
    assert token.startswith("pb_") and "data-copy" in page
    assert client.get("/api/v1/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = htmx_client.get("/settings/tokens/").get_data(as_text=True)
    assert "scanner" in listed and token not in listed


def test_revoke_asks_first_and_refuses_the_token(htmx_client, client, org):
    from webapp.api.services import tokens_of

    token_id = tokens_of(org.id)[0].id
    page = htmx_client.get("/settings/tokens/").get_data(as_text=True)
    assert f"/settings/tokens/{token_id}/revoke" in page and "hx-confirm" in page
    revoked = htmx_client.post(f"/settings/tokens/{token_id}/revoke")
    assert revoked.status_code == 200 and "Revoked" in revoked.headers["HX-Trigger"]
    refused = client.get("/api/v1/", headers={"Authorization": f"Bearer {org.api_token}"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_members_and_other_orgs_are_refused(member_client, htmx_client, db):
    from tests.factories import org_with_users
    from webapp.api.services import tokens_of

    assert member_client.get("/settings/tokens/").status_code == 403
    other = org_with_users()
    assert htmx_client.post(f"/settings/tokens/{tokens_of(other.id)[0].id}/revoke").status_code == 404
    assert tokens_of(other.id)[0].revoked_at is None


def test_a_name_is_required(htmx_client, org):
    response = htmx_client.post("/settings/tokens/", data={"name": ""})
    assert response.status_code == 422 and "new-token-value" not in response.get_data(as_text=True)
