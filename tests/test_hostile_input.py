"""Hostile input gets a 4xx from the one place that handles it (webapp/inputs.py), on every route, never a 500."""

import json
import re
from urllib.parse import quote

import pytest

from tests.webhooks.test_views import SECRET, event_body, post, sign
from webapp.models import WebhookSecret

BAD_IDS = ["2147483648", "9223372036854775808", "1" + "0" * 30, "-1", "0", "00000000000", "٣"]
HUGE = "9" * 40


def id_routes(app):
    """(method, path template) for every route with an id, other parts filled with a plain word."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "<id:" not in rule.rule:
            continue
        path = re.sub(r"<id:[a-z_]+>", "{id}", rule.rule)
        path = re.sub(r"<[a-z_:]+>", "enable", path)
        routes += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_every_route_with_an_id_uses_the_id_converter(app):
    assert not [rule.rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(id_routes(app)) >= 20


def test_out_of_range_ids_are_404_on_every_route_api_and_ui(app, admin_client, api):
    for method, path in id_routes(app):
        for bad in BAD_IDS:
            url = path.format(id=bad)
            if url.startswith("/api/"):
                response = api.client.open(url, method=method, json={}, headers=api._headers(None))
                assert response.status_code == 404, (method, url, response.status_code)
                assert response.json["error"]["code"] == "not_found"
            else:
                response = admin_client.open(url, method=method)
                assert response.status_code == 404, (method, url, response.status_code)


def test_the_largest_database_id_is_a_plain_not_found(app, admin_client, api):
    for method, path in id_routes(app):
        url = path.format(id=2**31 - 1)
        client = api.client if url.startswith("/api/") else admin_client
        headers = api._headers(None) if url.startswith("/api/") else None
        status = client.open(url, method=method, json={}, headers=headers).status_code
        assert 400 <= status < 500 or status == 302, (method, url, status)  # 302: a flash that says "not found"


LISTS = (
    "/reports/",
    "/incidents/",
    "/settings/deliveries/",
    "/settings/audit/",
    "/settings/routing/services",
    "/settings/routing/namespaces",
    "/settings/routing/resources",
)


def test_page_numbers_beyond_range_are_clamped(admin_client):
    for path in LISTS:
        for page in (HUGE, "-" + HUGE, "-1", "0", "2147483648", "x"):
            assert admin_client.get(f"{path}?page={page}").status_code == 200, (path, page)


def test_api_limits_beyond_range_are_422_naming_the_field(api):
    for limit in (HUGE, "-" + HUGE, "0"):
        response = api.get(f"/deliveries?limit={limit}")
        assert response.status_code == 422 and "limit" in response.json["error"]["fields"], limit


def test_integer_form_fields_beyond_range_are_refused_not_crashed(htmx_client):
    for value in (HUGE, "-" + HUGE, "2147483648"):
        form = {"namespace_id": value, "service_id": value, "route_id": value, "resource_id": value}
        assert htmx_client.post("/settings/routing/namespaces", data=form).status_code < 500
        assert htmx_client.post("/settings/routing/resources", data=form).status_code < 500
        assert htmx_client.get(f"/settings/routing/namespaces/options?cluster_id={value}").status_code < 500


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "a\x00b"}, "title"),
        ({"title": "ok", "description": "\ud800"}, "description"),
        ({"title": "ok", "x\x00": 1}, "x\ufffd"),
        ({"title": ["fine", "\udfff"]}, "title[1]"),
    ],
)
def test_nul_and_lone_surrogates_in_api_json_are_422_naming_the_field(api, body, field):
    raw = json.dumps(body)  # ensure_ascii: the surrogates travel as \\ud800 escapes, as an attacker would send them
    response = api.post("/reports", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert set(response.json["error"]) == {"code", "message", "fields"}
    assert field in response.json["error"]["fields"]


def test_a_nul_in_a_new_incident_is_422_although_its_route_is_read_with_the_token(api):
    """POST /incidents reads its body before the view (its route is read with the token): the view still refuses."""
    body = {"kind": "kubernetes", "title": "a\x00b", "severity": "high", "cluster": "c", "namespace": "n"}
    response = api.post("/incidents", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "title" in response.json["error"]["fields"]


def test_a_clean_body_is_scanned_for_bad_characters_once(api, monkeypatch):
    from webapp import inputs

    scanned = []
    real = inputs.bad_characters
    monkeypatch.setattr(inputs, "bad_characters", lambda value: scanned.append(value) or real(value))
    body = {"kind": "kubernetes", "title": "fine", "severity": "high", "cluster": "c", "namespace": "n"}
    assert api.post("/incidents", json=body).status_code == 201
    assert len(scanned) == 1  # the token's lookup and the view read the same parsed body


HOSTILE_JSON = (
    '{"title": NaN}',
    '{"title": "x", "severity": Infinity}',
    '{"title": -Infinity}',
    '{"title": 1e400}',
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 70 + "1" + "}" * 70,
    '{"title": "x"',
    "\xff\xfe",
)


def test_nan_infinity_and_over_deep_json_are_400(api):
    for raw in HOSTILE_JSON:
        for path, method in (("/reports", api.post), ("/incidents", api.post), ("/inventory", api.put)):
            response = method(path, data=raw, headers={"Content-Type": "application/json"})
            assert response.status_code == 400, (path, raw[:30], response.status_code)
            assert response.json["error"]["code"] == "bad_request"


WRONG_INVENTORY = (
    {"clusters": [{"name": "a", "namespaces": "abc"}]},
    {"clusters": [{"name": "a", "namespaces": [1, None]}]},
    {"clusters": [{"name": 5}]},
    {"clusters": [{"name": None, "namespaces": []}]},
    {"clusters": "x"},
    {"clusters": [["a"]]},
    {"cloud_resources": [{"provider": "aws", "resource_id": 1, "resource_type": "s3"}]},
    {"cloud_resources": [{"provider": "aws", "resource_id": "b", "resource_type": "s3", "region": 7}]},
    {"cloud_resources": [{"provider": ["aws"]}]},
    {"cloud_resources": {"provider": "aws"}},
    {"clusters": [{"name": "a"}], "cloud_resources": [1]},
)


def test_inventory_with_wrong_value_types_is_422(api):
    for body in WRONG_INVENTORY:
        response = api.put("/inventory", json=body)
        assert response.status_code == 422, (body, response.get_data(as_text=True))
        assert response.json["error"]["fields"]


def test_searching_for_a_number_beyond_any_id_finds_nothing_and_fails_nothing(member_client):
    for q in ("2147483648", "#99999999999999999999", "²", "0"):
        assert member_client.get(f"/reports/?q={quote(q)}").status_code == 200, q


def test_nul_in_a_search_box_is_stripped(admin_client, member_client):
    for path in ("/reports/?q=%00", "/incidents/?q=a%00b", "/settings/deliveries/?q=%00", "/oncall/?q=%00"):
        client = member_client if path.startswith(("/reports", "/incidents", "/oncall")) else admin_client
        assert client.get(path).status_code == 200, path
    assert admin_client.get("/settings/routing/resources/search?q=%00").status_code == 200
    assert admin_client.get("/settings/routing/preview?kind=kubernetes&cluster=%00&namespace=x").status_code == 200


def test_nul_in_a_form_field_is_a_400_page(client, org, admin_client):
    org.model.vdp_enabled = True
    form = {"title": "Stored XSS\x00", "description": "d", "contact_email": "r@example.com"}
    response = client.post(f"/vdp/{org.slug}", data=form)
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    assert client.post("/login", data={"email": "a\x00@example.com", "password": "x"}).status_code == 400
    assert (
        admin_client.post("/settings/users/", data={"email": "x\x00@example.com", "role": "member"}).status_code == 400
    )


def test_nul_in_a_path_segment_is_4xx(client, db):
    assert client.get("/vdp/%00").status_code == 400
    assert client.get("/vdp/a%00b/thanks").status_code == 400
    response = client.post("/webhooks/pagerduty/%00", data=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"


@pytest.fixture()
def hooked(db, org):
    db.session.add(WebhookSecret(org_id=org.id, secret=SECRET))
    db.session.commit()
    return org


@pytest.mark.parametrize("signature", ["v1=é", "v1=\u00ff" * 40, "v1=" + "ü" * 64, "\u00e9"])
def test_a_non_ascii_signature_is_401(client, hooked, signature):
    assert post(client, hooked, event_body(), signature).status_code == 401


@pytest.mark.parametrize(
    "raw, status",
    [
        (b'{"event": {"id": "E1", "event_type": "incident.resolved", "data": {"id": NaN}}}', 400),
        (b'{"event": {"id": "E1", "event_type": "incident.resolved", "x": Infinity}}', 400),
        (b'{"event": {"id": "E1", "event_type": "incident.resolved", "x": 1e999}}', 400),
        (b'{"event": ' * 80 + b"{}" + b"}" * 80, 400),
        (b"[" * 50_000 + b"]" * 50_000, 400),
        (b'{"event": {"id": "E1", "event_type": "incident.resolved", "agent": {"summary": "a\\u0000"}}}', 422),
        (b'{"event": {"id": "E1", "event_type": "incident.resolved", "agent": {"summary": "\\udc00"}}}', 422),
        (b'{"event": []}', 400),
        (b'{"event": {"id": ["E1"]}}', 202),
    ],
)
def test_signed_webhooks_with_hostile_bodies_are_refused(client, hooked, raw, status):
    assert post(client, hooked, raw, sign(raw, SECRET)).status_code == status


def test_a_nul_in_the_webhook_id_header_is_dropped(client, hooked, db):
    from webapp.models import WebhookReceipt

    body = event_body()
    assert post(client, hooked, body, sign(body, SECRET), "wh\x00-1").status_code == 202
    assert db.session.scalar(db.select(WebhookReceipt.webhook_id)) == "wh-1"
