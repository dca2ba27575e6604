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


def test_too_many_failures_answer_429_with_retry_after(client, db, org):
    # Hashed as the app hashes, so the 20 checks take as long as real ones: breached within the window's first
    # second, the Retry-After reads 61 (Flask-Limiter's reset_at adds a second to Redis's rounded TTL).
    org.admin.set_password(PASSWORD)
    db.session.commit()
    for _ in range(20):
        assert client.post("/login", data={"email": org.admin_email, "password": "x"}).status_code == 422
    response = client.post("/login", data={"email": "nobody@example.com", "password": "x"})
    assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 60
    assert "Too many sign-in attempts" in response.get_data(as_text=True)


def test_successful_sign_ins_do_not_use_up_the_address_budget(app, client, org):
    for _ in range(25):
        assert client.post("/login", data={"email": org.admin_email, "password": PASSWORD}).status_code == 302
        client.post("/logout")


def test_unknown_emails_cost_one_password_hash_as_known_ones(client, db, org, monkeypatch):
    from webapp.auth import services

    org.admin.set_password(PASSWORD)  # hashed as the app hashes (the fixture users' shared hash is lighter)
    db.session.commit()
    checked = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda *args: checked.append(args) or real(*args))
    client.post("/login", data={"email": org.admin_email, "password": "wrong"})
    client.post("/login", data={"email": "nobody@example.com", "password": "wrong"})
    assert len(checked) == 2 and checked[1][0].startswith(checked[0][0].split("$")[0])


def test_unknown_and_known_emails_answer_alike_and_lock_alike(client, org):
    def answers(email):
        bodies = [
            client.post("/login", data={"email": email, "password": "wrong"}).get_data(as_text=True).replace(email, "")
            for _ in range(6)
        ]
        return [("locked" in body, "do not match" in body) for body in bodies]

    known, unknown = answers(org.member_email), answers("nobody@example.com")
    assert known == unknown == [(False, True)] * 5 + [(True, False)]


def _copy_session(app, source):
    """A second browser holding a copy of `source`'s cookies (a stolen or copied cookie)."""
    copy = app.test_client()
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            copy.set_cookie(name, cookie.value)
    return copy


def test_a_copied_cookie_stops_working_after_logout(app, client, org):
    client.post("/login", data={"email": org.admin_email, "password": PASSWORD})
    copy = _copy_session(app, client)
    assert copy.get("/").status_code == 200
    client.post("/logout")
    assert copy.get("/").status_code == 302
    assert "/login" in copy.get("/settings/users/").location


def test_remember_me_cookies_end_with_a_logout(app, client, org):
    client.post("/login", data={"email": org.admin_email, "password": PASSWORD, "remember": "y"})
    remembered = app.test_client()
    remembered.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert remembered.get("/").status_code == 200  # the remember cookie alone signs in
    client.post("/logout")
    stale = app.test_client()
    stale.set_cookie("remember_token", remembered.get_cookie("remember_token").value)
    assert stale.get("/").status_code == 302


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, org):
    from tests.conftest import login

    here, elsewhere = login(app, org.admin_email), login(app, org.admin_email)
    response = here.post("/account", data={"current_password": PASSWORD, "new_password": "another-long-one"})
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_next_never_leaves_the_site(client, org):
    for target in ("//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "/\t/evil"):
        response = client.post(
            "/login", query_string={"next": target}, data={"email": org.admin_email, "password": PASSWORD}
        )
        assert response.location == "/", target
        client.post("/logout")


def test_signed_in_pages_are_not_stored(admin_client):
    assert admin_client.get("/settings/users/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in admin_client.get("/static/app.css").headers.get("Cache-Control", "")
