"""The org's PagerDuty connection and the credentials its REST calls need: a leaf module every area imports at the top.

It depends on the models and the client only, so alerts, routing, on-call and webhooks can read the connection
without importing `webapp.connection` (whose services import the outbox: the alerts ↔ connection cycle).
"""

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.models import Connection
from webapp.pagerduty import client
from webapp.unit_of_work import remember, remembered


def connection_for(org_id: int) -> Connection | None:
    """The org's connection row, or None when it never connected (read once per unit of work)."""
    found: Connection | None = remembered(
        "connection", org_id, lambda: db.session.scalar(db.select(Connection).filter_by(org_id=org_id))
    )
    return found


def note_vdp_service(org_id: int, services: list) -> None:
    """Remember the name of the service holding the integration key given at connect (PagerDuty's services listed
    with their integrations), so alerts sent with that key are named by their service, as PagerDuty names it."""
    connection = connection_for(org_id)
    if connection is None or connection.method != "api_token" or not connection.integration_key:
        return
    holder = next(
        (
            service
            for service in services
            if any(i.get("integration_key") == connection.integration_key for i in service.get("integrations") or [])
        ),
        None,
    )
    name = (holder or {}).get("name")
    connection.service_name = name[: Connection.service_name.type.length] if isinstance(name, str) else None


def remember_connection(org_id: int, connection: Connection | None) -> None:
    """The org's connection row, read along with something else: `connection_for` finds it in this unit of work."""
    if connection is not None:
        remember("connection", org_id, connection)


def credentials_for(org_id: int) -> client.Credentials:
    """What REST calls for this org need; DomainError when it has no API token."""
    connection = connection_for(org_id)
    if connection is None or not connection.api_token:
        raise DomainError("Connect PagerDuty with an API token first.")
    return client.Credentials(connection.region, connection.api_token, connection.account_email)
