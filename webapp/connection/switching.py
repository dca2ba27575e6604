"""Switching connection methods asks first, saying what will stop."""

from webapp.pagerduty.accounts import connection_for


def switch_warning(org_id: int, to_api_token: bool) -> str | None:
    """What stops when the connect form changes the method (None when it does not change it)."""
    connection = connection_for(org_id)
    if connection is None or connection.state == "disconnected":
        return None
    if to_api_token and connection.method == "routing_key":
        return (
            "Switch to the API token? Alerts stop going to the routing key of "
            f"{connection.service_name or 'the legacy service'}: they follow your services, routes and default "
            "service instead, and the routing key is forgotten."
        )
    if not to_api_token and connection.method == "api_token":
        return (
            "Switch to the legacy routing key? Every alert then goes to that one key: routing by namespace, resource "
            "and default service stops (routes are kept for a return to the token), and Sync Services, on-call from "
            "PagerDuty, health checks and webhook subscription repairs stop, as the API token is forgotten."
        )
    return None
