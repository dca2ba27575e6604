"""Security headers and cookie flags."""


def test_security_headers(client, db):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_lax(client, org):
    from tests.conftest import PASSWORD

    response = client.post("/login", data={"email": org.admin_email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_have_no_inline_scripts(admin_client):
    body = admin_client.get("/").get_data(as_text=True)
    assert "<script>" not in body and "<style" not in body and " style=" not in body
