"""Dashboard, health and readiness."""


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_checks_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


def test_readyz_is_degraded_but_200_when_redis_is_down_as_the_api_still_takes_alerts(app, client, api):
    saved = app.config["REDIS_URL"], app.extensions.pop("pagerbridge_redis", None)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
        alert = api.post(
            "/incidents",
            json={
                "kind": "kubernetes",
                "title": "Redis away",
                "severity": "high",
                "cluster": "prod",
                "namespace": "api",
                "external_id": "readyz-redis-down",
            },
        )
    finally:
        app.config["REDIS_URL"] = saved[0]
        app.extensions.pop("pagerbridge_redis", None)
    assert alert.status_code == 201, alert.json  # what readiness promises, the API does
    assert response.status_code == 200 and response.json["status"] == "degraded"
    assert response.json["checks"]["database"] == "ok" and response.json["checks"]["redis"] != "ok"


def test_readyz_is_503_with_retry_after_when_the_database_is_down(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from webapp.main import services

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(services.db.session, "execute", down)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json["status"] == "unavailable"


def test_dashboard_shows_the_org(admin_client, org):
    body = admin_client.get("/").get_data(as_text=True)
    assert org.model.name in body and "Open reports" in body


def test_members_see_dashboard_but_not_settings_nav(member_client):
    body = member_client.get("/").get_data(as_text=True)
    assert "Dashboard" in body and ">Settings<" not in body


def test_unknown_page_is_a_friendly_404(admin_client):
    response = admin_client.get("/no/such/page")
    assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)
