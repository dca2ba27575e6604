"""The org's PagerDuty connection and the credentials its REST calls need (and what happens when PagerDuty refuses
them): a leaf module every area imports at the top.

It depends on the models and the client only, so alerts, routing, on-call and webhooks can read the connection
without importing `webapp.connection` (whose services import the outbox: the alerts ↔ connection cycle).
"""

from sqlalchemy import update

from webapp.errors import DomainError
from webapp.extensions import db
from webapp.models import Connection, Delivery
from webapp.models.types import utcnow
from webapp.models.vocabularies import WAITING_DELIVERY_STATUSES
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


def validate_api_token(api_token: str, region: str) -> tuple[str | None, str]:
    """Check a REST API token with real calls; returns (account email, summary) or raises DomainError."""
    credentials = client.Credentials(region, api_token)
    try:
        try:
            me = client.rest(credentials, "GET", "/users/me")["user"]
            return me.get("email"), f"{me.get('name') or me.get('email')} (user token)"
        except client.PagerDutyError as error:
            if error.is_auth_failure or error.status is None or error.status >= 500:
                raise
        client.rest(credentials, "GET", "/abilities")
        users = client.rest(credentials, "GET", "/users", params={"limit": 1}).get("users") or [{}]
        return users[0].get("email"), "Account token"
    except client.PagerDutyError as error:
        raise DomainError(f"Connection failed: {error.message}", fields={"api_token": error.message}) from None


def mark_auth_failure(org_id: int, message: str) -> None:
    """PagerDuty refused our credentials: the connection turns red and every open alert pauses."""
    connection = connection_for(org_id)
    if connection is None:
        return
    connection.state, connection.last_error, connection.last_error_at = "error", message[:500], utcnow()
    pause_open(org_id)
    db.session.commit()


def pause_open(org_id: int) -> None:
    """Pause every pending or retrying delivery of the org (credentials refused)."""
    db.session.execute(
        update(Delivery)
        .where(Delivery.org_id == org_id, Delivery.status.in_(WAITING_DELIVERY_STATUSES))
        .values(status="paused")
        .execution_options(synchronize_session=False)
    )
