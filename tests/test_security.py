"""Security headers and cookie flags."""

import pytest


def test_security_headers(client, db):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_api_answers_carry_the_security_headers_once(api):
    response = api.get("/reports")
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert len(response.headers.getlist(name)) == 1, name
    assert response.headers["Cache-Control"] == "no-store"


def test_a_security_header_a_view_set_is_kept(app):
    from flask import Flask

    from webapp.security import add_security_headers

    with app.test_request_context("/login"):
        response = Flask(__name__).response_class("x", headers={"x-frame-options": "SAMEORIGIN"})
        headers = add_security_headers(response).headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"] and headers["Referrer-Policy"] == "same-origin"


def test_session_cookies_follow_a_new_secret_key_and_its_fallbacks(app, client, org):
    """The signing serializer is built once per key set: a key rotated in still signs, and the old one in
    SECRET_KEY_FALLBACKS still reads the sessions it signed."""
    from tests.conftest import PASSWORD

    previous = app.secret_key
    assert client.post("/login", data={"email": org.admin_email, "password": PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200
    try:
        app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = "rotated", [previous]
        assert client.get("/").status_code == 200  # the old key, a fallback now, still reads the cookie
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert client.get("/").status_code == 302  # and once it is dropped, nobody is signed in
    finally:
        app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = previous, []


def test_session_cookie_is_httponly_and_lax(client, org):
    from tests.conftest import PASSWORD

    response = client.post("/login", data={"email": org.admin_email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_have_no_inline_scripts(admin_client):
    body = admin_client.get("/").get_data(as_text=True)
    assert "<script>" not in body and "<style" not in body and " style=" not in body


def _app(monkeypatch=None, **overrides):
    """A second app on the same database and Redis, with these config overrides."""
    from webapp import create_app

    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, **overrides})


def test_https_public_url_turns_on_hsts_and_secure_cookies(db, org, monkeypatch):
    from tests.conftest import PASSWORD

    monkeypatch.setenv("PUBLIC_URL", "https://pagerbridge.example")
    client = _app().test_client()
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")
    response = client.post("/login", data={"email": org.admin_email, "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}
    assert all("Secure" in c and "SameSite=Lax" in c and "HttpOnly" in c for c in cookies)


def test_plain_http_has_no_hsts_but_samesite_everywhere(client, org):
    from tests.conftest import PASSWORD

    assert "Strict-Transport-Security" not in client.get("/login").headers
    response = client.post("/login", data={"email": org.admin_email, "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 2 and all("SameSite=Lax" in c and "Secure" not in c for c in cookies)


def test_failed_logins_are_limited_per_forwarded_client_address(db, org):
    """Behind one trusted proxy (Heroku's router), every client has its own budget."""
    from tests.conftest import PASSWORD

    client = _app(TRUSTED_PROXIES=1).test_client()
    attacker = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}  # the first part is what the client claimed
    statuses = [
        client.post("/login", data={"email": org.admin_email, "password": "x"}, headers=attacker).status_code
        for _ in range(25)
    ]
    assert statuses == [422] * 20 + [429] * 5
    neighbour = {"X-Forwarded-For": "203.0.113.8"}
    response = client.post("/login", data={"email": org.member_email, "password": PASSWORD}, headers=neighbour)
    assert response.status_code == 302


def test_forwarded_addresses_are_ignored_without_trusted_proxies(client, org):
    statuses = [
        client.post(
            "/login", data={"email": org.admin_email, "password": "x"}, headers={"X-Forwarded-For": f"203.0.113.{n}"}
        ).status_code
        for n in range(21)
    ]
    assert statuses[-1] == 429


def test_vdp_form_is_limited_per_address_with_retry_after(client, org):
    data = {"title": "XSS", "description": "in search", "contact_email": "r@example.net"}
    statuses = [client.post(f"/vdp/{org.slug}", data=data).status_code for _ in range(11)]
    assert statuses == [302] * 10 + [429]
    response = client.post(f"/vdp/{org.slug}", data=data)
    assert int(response.headers["Retry-After"]) > 60 and "Please wait" in response.get_data(as_text=True)


def test_api_is_limited_per_token_in_the_contract_shape(app, api, org):
    from tests.factories import org_with_users

    saved, app.config["API_RATE_LIMIT"] = app.config["API_RATE_LIMIT"], "3/minute"
    try:
        statuses = [api.get("/reports/999999").status_code for _ in range(4)]
        response = api.get("/reports/999999")
        other = org_with_users()
        other_status = (
            app.test_client()
            .get("/api/v1/reports/999999", headers={"Authorization": f"Bearer {other.api_token}"})
            .status_code
        )
    finally:
        app.config["API_RATE_LIMIT"] = saved
    assert statuses == [404] * 3 + [429] and other_status == 404
    assert response.json["error"]["code"] == "rate_limited" and int(response.headers["Retry-After"]) >= 1


def test_outside_links_are_http_only():
    from webapp.security import outside_url

    assert outside_url("https://acme.pagerduty.com/incidents/P1") == "https://acme.pagerduty.com/incidents/P1"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "//evil.example", "http:/x", None):
        assert outside_url(bad) is None, bad


def test_a_javascript_link_from_pagerduty_is_not_rendered(admin_client, db, org):
    from webapp.models import Report
    from webapp.reports.services import create_report

    report = create_report(org.id, "XSS", "in search", "r@example.net", source="form", actor="r@example.net")
    row = db.session.get(Report, report.id)
    row.pd_status, row.pd_incident_url = "triggered", "javascript:alert(document.cookie)"
    db.session.commit()
    body = admin_client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "javascript:" not in body and "Open in PagerDuty" not in body
    row.pd_incident_url = "https://acme.pagerduty.com/incidents/P1"
    db.session.commit()
    assert 'href="https://acme.pagerduty.com/incidents/P1"' in admin_client.get(f"/reports/{report.id}").get_data(
        as_text=True
    )


def test_oncall_mode_keeps_next_on_site(admin_client):
    response = admin_client.post("/oncall/mode", data={"mode": "manual", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.location == "/oncall/settings"
    response = admin_client.post("/oncall/mode", data={"mode": "manual", "next": "/oncall/"})
    assert response.location == "/oncall/"


def test_other_orgs_records_are_404(htmx_client, db):
    from tests.factories import org_with_users
    from webapp.models import Cluster, Namespace, WebhookSecret

    other = org_with_users()
    cluster, secret = Cluster(org_id=other.id, name="prod"), WebhookSecret(org_id=other.id, secret="s3cret")
    db.session.add_all([cluster, secret])
    db.session.commit()
    assert htmx_client.get(f"/settings/routing/namespaces/options?cluster_id={cluster.id}").status_code == 404
    assert htmx_client.post(f"/webhooks/settings/secrets/{secret.id}/retire").status_code == 404
    assert db.session.get(WebhookSecret, secret.id).retired_at is None
    assert htmx_client.get("/settings/routing/namespaces/options?cluster_id=").status_code == 200
    namespace = Namespace(org_id=other.id, cluster_id=cluster.id, name="payments")
    db.session.add(namespace)
    db.session.commit()
    response = htmx_client.post("/settings/routing/namespaces", data={"namespace_id": namespace.id, "service_id": ""})
    assert response.status_code == 404
    assert htmx_client.post("/settings/routing/namespaces", data={"namespace_id": ""}).status_code == 422


def test_a_body_refused_unread_closes_the_connection(client, db):
    big = {"CONTENT_LENGTH": str(5 * 1024 * 1024)}
    response = client.post("/webhooks/pagerduty/nope", data=b"{}", environ_overrides=big)
    assert response.status_code == 413 and response.headers["Connection"] == "close"
    response = client.post(
        "/login", data=b"email=a", content_type="application/x-www-form-urlencoded", environ_overrides=big
    )
    assert response.status_code == 413 and response.headers["Connection"] == "close"
    response = client.post("/login", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 422 and "Connection" not in response.headers


@pytest.fixture()
def gunicorn(test_env, app):
    """The app under gunicorn (gthread, as the Procfile runs it) on a free port; yields the port."""
    import os
    import socket
    import subprocess
    import sys

    from tests.conftest import ROOT, wait_for

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "gunicorn", "wsgi:app", "--workers", "1", "--threads", "2"]
    process = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env={**os.environ, **test_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: _answers(port) or process.poll() is not None, timeout=30)
    yield port
    process.terminate()
    process.wait(timeout=10)


def _answers(port):
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _exchange(port, head):
    """Send request heads (no body) and read the answer until the server closes the connection."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(head.encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer.decode(errors="replace")


def test_gunicorn_closes_the_connection_after_refusing_an_unread_body(gunicorn):
    health = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = _exchange(
        gunicorn,
        "POST /webhooks/pagerduty/nope HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 5000000\r\n\r\n",
    )
    assert answer.startswith("HTTP/1.1 413") and "Connection: close" in answer  # and closed: the read ended
    answer = _exchange(gunicorn, health + health.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"))
    assert answer.count("HTTP/1.1 200") == 2 and "Connection: keep-alive" in answer  # others keep the connection


def test_an_api_call_counts_against_its_budget_once(app, api, monkeypatch):
    """The API's budget is counted by api_budget alone (one hit, one Redis round trip), not again by Flask-Limiter."""
    from limits import parse

    from webapp.ratelimit import limiter

    hits = []
    real = type(limiter.limiter).hit
    monkeypatch.setattr(type(limiter.limiter), "hit", lambda self, *args: hits.append(args) or real(self, *args))
    assert api.get("/reports").status_code == 200
    assert [(str(item), scope) for item, scope, _key in hits] == [(str(parse(app.config["API_RATE_LIMIT"])), "api")]
