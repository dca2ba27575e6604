"""The health check, subscribe/repair and disconnect's teardown send what PagerDuty's REST description allows."""

from tests.pagerduty import test_conformance as base
from tests.pagerduty.test_conformance import API, PLATFORM_KEY, integration, page, query, service

pytestmark = base.pytestmark  # PagerDuty's OpenAPI files must lie beside the repository

pd, linked, platform = base.pd, base.linked, base.platform  # the fixtures of the main conformance module

SUB_ID = "PSUB001"
SUBSCRIBED_EVENTS = [
    "incident.triggered",
    "incident.acknowledged",
    "incident.unacknowledged",
    "incident.resolved",
    "incident.reopened",
    "incident.annotated",
    "incident.priority_updated",
    "incident.reassigned",
    "incident.delegated",
    "incident.escalated",
]


def subscription(url, active=True, disabled=False, description="PagerBridge (org)"):
    return {
        "id": SUB_ID,
        "type": "webhook_subscription",
        "active": active,
        "description": description,
        "events": list(SUBSCRIBED_EVENTS),
        "filter": {"type": "account_reference"},
        "delivery_method": {
            "id": "PDM0001",
            "type": "http_delivery_method",
            "url": url,
            "temporarily_disabled": disabled,
            "secret": None,
            "custom_headers": [],
        },
    }


def test_the_health_check_reads_token_services_and_subscription(db, pd, linked, platform):
    from webapp.health.services import check_org
    from webapp.models import Connection
    from webapp.webhooks.credentials import add_signing_secret
    from webapp.webhooks.setup import webhook_url

    db.session.scalar(db.select(Connection)).webhook_subscription_id = SUB_ID
    add_signing_secret(linked.id, "whsec-kept-secret", "pagerduty")
    db.session.commit()
    url = webhook_url(linked.model)
    pd.answer(
        "GET",
        "/services",
        page("services", [service("PPLAT01", "Platform", [integration("PINT001", "PPLAT01", PLATFORM_KEY)])]),
        documented=False,  # with include[]=integrations PagerDuty returns whole integrations, which the file omits
    )
    pd.answer("GET", f"/webhook_subscriptions/{SUB_ID}", {"webhook_subscription": subscription(url, disabled=True)})
    pd.answer("GET", "/webhook_subscriptions", page("webhook_subscriptions", [subscription(url, disabled=True)]))
    check_org(linked.id)
    assert query(pd.calls("GET", "/services")[0])["include[]"] == ["integrations"]
    from webapp.findings.services import findings

    assert [f.code for f in findings(linked.id) if f.counts] == ["subscription_disabled"]
    assert pd.verify() == 5  # users/me at connect and at the check, services, the subscription, the account's list


def test_subscribe_reuses_and_repairs_the_existing_subscription(db, pd, linked):
    from webapp.models import Connection
    from webapp.webhooks.credentials import add_signing_secret
    from webapp.webhooks.setup import create_subscription, webhook_url

    add_signing_secret(linked.id, "whsec-kept-secret", "pagerduty")
    connection = db.session.scalar(db.select(Connection))
    connection.webhook_subscription_id, connection.subscription_owned = SUB_ID, True  # ours: we hold its secret
    db.session.commit()
    url = webhook_url(linked.model)
    pd.answer(
        "GET",
        "/webhook_subscriptions",
        page("webhook_subscriptions", [subscription(url, active=False, disabled=True)]),
    )
    pd.answer("PUT", f"/webhook_subscriptions/{SUB_ID}", {"webhook_subscription": subscription(url, disabled=True)})
    pd.answer("POST", f"/webhook_subscriptions/{SUB_ID}/enable", {"webhook_subscription": subscription(url)})
    assert create_subscription(linked.id)["id"] == SUB_ID
    assert pd.calls("PUT", f"/webhook_subscriptions/{SUB_ID}")[0].json() == {"webhook_subscription": {"active": True}}
    assert not pd.calls("POST", "/webhook_subscriptions")
    assert pd.verify() == 5  # users/me, the list, PUT active, POST enable, the list again for old URLs


def test_disconnect_deletes_its_own_subscription(db, pd, linked):
    from webapp.connection import lifecycle
    from webapp.connection.services import disconnect
    from webapp.pagerduty.accounts import connection_for
    from webapp.webhooks.credentials import add_signing_secret

    add_signing_secret(linked.id, "whsec-own-secret", "pagerduty")
    connection = connection_for(linked.id)
    connection.webhook_subscription_id, connection.subscription_owned = SUB_ID, True
    db.session.commit()
    pd.mocker.register_uri("DELETE", f"{API}/webhook_subscriptions/{SUB_ID}", status_code=204)
    _, run = disconnect(linked.id)
    assert lifecycle.teardown(linked.id, run.id) == f"Webhook subscription {SUB_ID} deleted in PagerDuty."
    deleted = pd.mocker.request_history[-1]
    assert deleted.method == "DELETE" and deleted.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
