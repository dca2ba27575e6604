"""Login, logout, lock-out, safe redirects and CSRF."""

from tests.conftest import PASSWORD


def test_login_and_logout(client, org):
    response = client.post("/login", data={"email": org.admin_email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_shows_an_error(client, org):
    response = client.post("/login", data={"email": org.admin_email, "password": "nope"})
    assert response.status_code == 422
    assert "That email and password do not match." in response.get_data(as_text=True)


def test_repeated_failures_lock_the_account(client, org):
    for _ in range(5):
        client.post("/login", data={"email": org.admin_email, "password": "wrong"})
    response = client.post("/login", data={"email": org.admin_email, "password": PASSWORD})
    assert response.status_code == 422
    assert "locked" in response.get_data(as_text=True)


def test_too_many_attempts_from_one_address_are_refused(client, org):
    for _ in range(20):
        client.post("/login", data={"email": "nobody@example.com", "password": "x"})
    response = client.post("/login", data={"email": org.admin_email, "password": PASSWORD})
    assert "Too many sign-in attempts" in response.get_data(as_text=True)


def test_next_only_follows_local_paths(client, org):
    response = client.post(
        "/login?next=https://evil.example.com/", data={"email": org.admin_email, "password": PASSWORD}
    )
    assert response.location == "/"
    client.post("/logout")
    response = client.post("/login?next=/settings/users/", data={"email": org.admin_email, "password": PASSWORD})
    assert response.location == "/settings/users/"


def test_pages_require_login(client, db):
    response = client.get("/settings/users/")
    assert response.status_code == 302 and "/login" in response.location


def test_csrf_is_enforced_outside_tests(test_env, db, org):
    from webapp import create_app

    app = create_app({"TESTING": True})
    client = app.test_client()
    response = client.post("/login", data={"email": org.admin_email, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": org.admin_email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.post("/settings/users/", data={"email": "x@example.com"}).status_code == 400
    body = client.get("/settings/users/").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken": "' in body


def test_change_password(admin_client, org, client):
    response = admin_client.post("/account", data={"current_password": "wrong", "new_password": "another-long-one"})
    assert response.status_code == 422 and "not right" in response.get_data(as_text=True)
    response = admin_client.post("/account", data={"current_password": PASSWORD, "new_password": "another-long-one"})
    assert response.status_code == 302
    assert client.post("/login", data={"email": org.admin_email, "password": "another-long-one"}).status_code == 302
