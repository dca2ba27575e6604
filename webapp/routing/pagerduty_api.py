"""The PagerDuty REST calls routing needs: services, their integrations, creating an Events API v2 integration."""

from webapp.pagerduty import client

EVENTS_V2 = "events_api_v2_inbound_integration"


def list_services(credentials, on_page=None):
    """Every service of the account (all pages), with its integrations (which one holds the VDP integration key)."""
    return client.paginate(credentials, "/services", "services", params={"include[]": "integrations"}, on_page=on_page)


def events_integration(credentials, service_pd_id):
    """The service's existing Events API v2 integration (with its key), or None."""
    service = client.rest(credentials, "GET", f"/services/{service_pd_id}", params={"include[]": "integrations"})
    for integration in service["service"].get("integrations") or []:
        if integration.get("type") == EVENTS_V2 and integration.get("integration_key"):
            return integration
    return None


def create_events_integration(credentials, service_pd_id):
    """Create an Events API v2 integration named for PagerBridge; returns it with its key."""
    body = {"integration": {"type": EVENTS_V2, "name": "PagerBridge"}}
    return client.rest(credentials, "POST", f"/services/{service_pd_id}/integrations", json=body)["integration"]


def find_or_create_events_integration(credentials, service_pd_id):
    """The service's Events API v2 integration with its key: the existing one, else one created for PagerBridge."""
    return events_integration(credentials, service_pd_id) or create_events_integration(credentials, service_pd_id)
