"""Bearer-token authentication and the contract's error shape."""


def test_missing_token_is_401_in_contract_shape(client, org):
    response = client.get("/api/v1/")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert set(response.json["error"]) == {"code", "message", "fields"}


def test_wrong_token_is_401(client, org):
    response = client.get("/api/v1/", headers={"Authorization": "Bearer pb_wrong"})
    assert response.status_code == 401


def test_valid_token_names_the_org(api, org):
    response = api.get("/")
    assert response.status_code == 200 and response.json["org"]["slug"] == org.slug


def test_unknown_path_is_json_404(api):
    response = api.get("/no-such-thing")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_token_of_another_org_does_not_leak(api, db):
    from tests.factories import org_with_users

    other = org_with_users()
    assert api.get("/").json["org"]["slug"] != other.slug


def test_tokens_are_stored_hashed(db, org):
    from webapp.models import ApiToken

    stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert org.api_token not in stored and all(len(value) == 64 for value in stored)
