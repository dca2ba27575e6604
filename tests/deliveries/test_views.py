"""The delivery log page and API."""

from webapp.models import Delivery


def add(db, org, **fields):
    fields = {"dedup_key": "report-1", **fields}
    delivery = Delivery(
        org_id=org.id,
        action="trigger",
        event_type="new_report",
        routing_key="k" * 32,
        target_label="Security VDP",
        **fields,
    )
    db.session.add(delivery)
    db.session.commit()
    return delivery


def test_log_filters_and_self_refreshes(admin_client, htmx_client, db, org):
    add(db, org, status="failed", last_response="Bad request")
    add(db, org, status="delivered", dedup_key="incident-9")
    page = admin_client.get("/settings/deliveries/").get_data(as_text=True)
    assert "every 3s" not in page and "report-1" in page and "incident-9" in page and "k" * 32 not in page
    rows = htmx_client.get("/settings/deliveries/?status=failed", headers={"HX-Target": "delivery-rows"})
    body = rows.get_data(as_text=True)
    assert "report-1" in body and "incident-9" not in body and "<html" not in body
    assert rows.status_code == 286 and "HX-Request" in rows.headers["Vary"]  # nothing in flight: polling stops


def test_log_polls_only_while_a_delivery_is_in_flight(admin_client, htmx_client, db, org):
    pending = add(db, org, status="pending", dedup_key="report-2")
    assert "every 3s" in admin_client.get("/settings/deliveries/").get_data(as_text=True)
    rows = htmx_client.get("/settings/deliveries/", headers={"HX-Target": "delivery-rows"})
    assert rows.status_code == 200 and "every 3s" in rows.get_data(as_text=True)
    pending.status = "delivered"
    db.session.commit()
    done = htmx_client.get("/settings/deliveries/", headers={"HX-Target": "delivery-rows"})
    assert done.status_code == 286 and "every 3s" not in done.get_data(as_text=True)


def test_redeliver_a_failed_one(htmx_client, db, org, redis):
    delivery = add(db, org, status="failed", attempts=3)
    response = htmx_client.post(f"/settings/deliveries/{delivery.id}/redeliver")
    assert response.status_code == 200 and "deliveriesChanged" in response.headers["HX-Trigger"]
    db.session.refresh(delivery)
    assert delivery.status == "pending" and delivery.attempts == 0
    assert htmx_client.post(f"/settings/deliveries/{delivery.id}/redeliver").status_code == 409


def test_api_lists_newest_first_without_keys(api, db, org):
    add(db, org, status="failed")
    add(db, org, status="delivered")
    body = api.get("/deliveries").json["items"]
    assert [d["status"] for d in body] == ["delivered", "failed"] and "routing_key" not in body[0]
    assert [d["status"] for d in api.get("/deliveries?status=failed").json["items"]] == ["failed"]
    assert api.get("/deliveries?status=nope").status_code == 422
    first = api.get("/deliveries?limit=1").json
    assert [d["status"] for d in first["items"]] == ["delivered"] and first["next_cursor"]
    rest = api.get(f"/deliveries?limit=1&cursor={first['next_cursor']}").json
    assert [d["status"] for d in rest["items"]] == ["failed"] and rest["next_cursor"] is None
