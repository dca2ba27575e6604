"""Issue 22: production with trusted proxies warns at start-up, and once when a request arrives without
X-Forwarded-For (something reaches the web process around the router)."""

import logging


def test_production_with_trusted_proxies_warns_at_start_and_at_the_first_direct_request(app, monkeypatch, caplog):
    from webapp import create_app, security

    monkeypatch.setattr(security, "is_production", lambda: True)
    with caplog.at_level(logging.WARNING, logger="webapp.security"):
        proxied = create_app({"TESTING": True, "TRUSTED_PROXIES": 1, "SERVER_NAME": None})
        assert any("reachable only through the router" in r.getMessage() for r in caplog.records)
        caplog.clear()
        client = proxied.test_client()
        client.get("/login", headers={"X-Forwarded-For": "203.0.113.9"})
        assert not any("no X-Forwarded-For" in r.getMessage() for r in caplog.records)
        client.get("/login")
        client.get("/login")
    direct = [r for r in caplog.records if "no X-Forwarded-For" in r.getMessage()]
    assert len(direct) == 1


def test_no_warning_without_trusted_proxies(app, monkeypatch, caplog):
    from webapp import create_app, security

    monkeypatch.setattr(security, "is_production", lambda: True)
    with caplog.at_level(logging.WARNING, logger="webapp.security"):
        create_app({"TESTING": True, "TRUSTED_PROXIES": 0, "SERVER_NAME": None}).test_client().get("/login")
    assert not [r for r in caplog.records if "X-Forwarded-For" in r.getMessage() or "router" in r.getMessage()]
