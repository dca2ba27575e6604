"""Services: configure, default, VDP service, a test event to one service's key (Test Connection's target too); the
cloud-resource search of the assignment picker; why the legacy method locks the routing actions."""

from sqlalchemy import update
from sqlalchemy.orm import load_only

from webapp.audit.services import record
from webapp.errors import Conflict, DomainError
from webapp.extensions import db
from webapp.models import CloudResource, JobRun, Service
from webapp.pagerduty import client
from webapp.pagerduty.accounts import connection_for, credentials_for, mark_auth_failure
from webapp.queues import enqueue_after_commit
from webapp.routing.pagerduty_api import (
    find_or_create_events_integration,
)
from webapp.tenancy import contains_any, get_in_org

PAGE_SIZE = 50


def services_page(org_id, q=None, page=1):
    """Services by name, searchable, paginated."""
    query = db.select(Service).filter_by(org_id=org_id)
    if q:
        query = query.where(Service.name.ilike(f"%{q.strip()}%"))
    # By name only: a row stays where it is when Configure or Set as default changes it (buttons never move).
    query = query.order_by(Service.name, Service.id)
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def configured_services(org_id):
    """Services that can receive alerts."""
    return db.session.scalars(
        db.select(Service)
        .options(load_only(Service.id, Service.name))
        .where(Service.org_id == org_id, Service.enabled.is_(True), Service.removed_at.is_(None))
        .order_by(Service.name)
    ).all()


class IntegrationRefused(DomainError):
    """PagerDuty refused to find or make a service's integration; `auth_failure` holds why when the credentials were
    refused (the caller marks the connection once its own changes are rolled back)."""

    def __init__(self, message, auth_failure=None):
        super().__init__(message)
        self.auth_failure = auth_failure


def configure_service(org_id, service_id):
    """Enable a service: find its Events API v2 integration or create one, and keep the key."""
    try:
        service = provision_service(org_id, get_in_org(Service, org_id, service_id, "service"))
    except IntegrationRefused as refused:
        if refused.auth_failure:
            mark_auth_failure(org_id, refused.auth_failure)
        raise
    db.session.commit()
    return service


def provision_service(org_id, service):
    """PagerDuty's side of configuring a service (its integration found or made), kept on the row uncommitted:
    settings import does this for every service first, then commits all its sections at once."""
    if service.removed_at is not None:
        raise Conflict("This service is gone from PagerDuty; sync again or pick another.")
    credentials = credentials_for(org_id)
    try:
        integration = find_or_create_events_integration(credentials, service.pd_id)
    except client.PagerDutyError as error:
        raise IntegrationRefused(
            f"PagerDuty did not let us configure {service.name}: {error.message}",
            auth_failure=error.message if error.is_auth_failure else None,
        ) from None
    service.enabled, service.integration_id = True, integration["id"]
    service.integration_key = integration["integration_key"]
    record(org_id, "service.configured", {"service": service.pd_id, "name": service.name})
    return service


def disable_service(org_id, service_id):
    """Stop routing to a service (its routes stay, falling through to the default)."""
    service = get_in_org(Service, org_id, service_id, "service")
    service.enabled, service.is_default, service.is_vdp = False, False, False
    record(org_id, "service.disabled", {"service": service.pd_id})
    db.session.commit()
    return service


def _make_exclusive(org_id, service_id, flag, action):
    service = get_in_org(Service, org_id, service_id, "service")
    if not service.enabled:
        raise Conflict("Configure the service first.")
    db.session.execute(
        update(Service)
        .where(Service.org_id == org_id, getattr(Service, flag).is_(True))
        .values({flag: False})
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    setattr(service, flag, True)
    record(org_id, action, {"service": service.pd_id, "name": service.name})
    db.session.commit()
    return service


def set_default(org_id, service_id):
    """Make this the one default service."""
    return _make_exclusive(org_id, service_id, "is_default", "service.default_set")


def set_vdp(org_id, service_id):
    """Send VDP alerts here when no integration key was given at connect."""
    return _make_exclusive(org_id, service_id, "is_vdp", "service.vdp_set")


def search_resources(org_id, q, limit=20):
    """Resources whose id, name, type or provider contains q (search-as-you-type)."""
    query = db.select(CloudResource).filter_by(org_id=org_id)
    if q:
        columns = (CloudResource.resource_id, CloudResource.name, CloudResource.resource_type, CloudResource.provider)
        query = query.where(contains_any(q, *columns))
    return db.session.scalars(query.order_by(CloudResource.resource_id).limit(limit)).all()


def routing_locked(connection) -> str | None:
    """Why Sync, Configure and Set as default cannot work now (None when they can)."""
    if connection is None or connection.state == "disconnected":
        return "Connect PagerDuty with an API token to sync and configure services."
    if connection.method == "routing_key":
        return (
            "Not available with the legacy routing-key method: every alert goes to "
            f"{connection.service_name or 'its one key'}. "
            "Connect with an API token to sync services and route by service."
        )
    return None


def test_routing_key(org_id, connection, service_id=None):
    """The key a test event goes to, with its label; DomainError when there is none.

    With `service_id`, that configured service's own key ("Send test to Payments" on the Services tab).
    """
    if service_id is not None:
        service = db.session.get(Service, service_id)
        if service is None or service.org_id != org_id or not service.enabled or not service.integration_key:
            raise DomainError("Configure this service before sending it a test event.")
        return service.integration_key, service.name
    if connection.method == "routing_key":
        return connection.routing_key, connection.service_name
    if connection.integration_key:
        return connection.integration_key, "VDP integration key"
    service = db.session.scalar(
        db.select(Service)
        .where(
            Service.org_id == org_id,
            Service.enabled.is_(True),
            Service.integration_key.isnot(None),
            Service.broken_at.is_(None),
            Service.removed_at.is_(None),
        )
        .order_by(Service.is_default.desc(), Service.name)
        .limit(1)
    )
    if service is None:
        raise DomainError("Nothing to send a test event to: add an integration key or configure a service.")
    return service.integration_key, service.name


def start_test(org_id, service_id=None):
    """Create the JobRun that the page polls, and queue the job (to one service's key with `service_id`)."""
    connection = connection_for(org_id)
    if connection is None or connection.state == "disconnected":
        raise DomainError("Connect PagerDuty before testing the connection.")
    test_routing_key(org_id, connection, service_id)
    run = JobRun(org_id=org_id, kind="test_connection", status="queued", total=2, message="Queued")
    db.session.add(run)
    db.session.commit()
    extra = () if service_id is None else (service_id,)
    enqueue_after_commit("jobs.connection.run_test", org_id, run.id, *extra, queue="default")
    db.session.commit()
    return run
