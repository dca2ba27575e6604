"""Settings → PagerDuty → Services, Namespaces, Cloud resources and Route preview tabs."""

from flask import render_template, request
from flask_login import current_user

from webapp import jobruns
from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.hx import STOP_POLLING, render, respond
from webapp.models import Cluster, JobRun, Service
from webapp.pagerduty.accounts import connection_for
from webapp.routing import assignments, bp, inventory, services
from webapp.routing.preview import explain
from webapp.routing.services import routing_locked, start_test
from webapp.routing.sync import start_sync
from webapp.tenancy import admin_required, get_in_org

# Each tab: its page, the fragment htmx swaps, and that fragment's element id.
SERVICES = ("routing/services.html", "routing/_services.html", "services-list")
NAMESPACES = ("routing/namespaces.html", "routing/_namespaces.html", "namespace-routes")
RESOURCES = ("routing/resources.html", "routing/_resources.html", "resource-routes")
PREVIEW = ("routing/preview.html", "routing/_preview_result.html", "preview-result")


def _render(tab, **context):
    context.setdefault("connection", connection_for(current_user.org_id))
    context.setdefault("locked", routing_locked(context["connection"]))
    return render(*tab, **context)


def _services_context():
    connection = connection_for(current_user.org_id)
    return {
        "vdp_key_given": bool(connection and connection.method == "api_token" and connection.integration_key),
        "page": services.services_page(
            current_user.org_id, request.args.get("q"), request.args.get("page", 1, type=int)
        ),
        "q": request.args.get("q") or "",
    }


@bp.get("/services", endpoint="services")
@admin_required
def services_tab():
    """The Services tab; the list fragment for htmx."""
    return _render(SERVICES, **_services_context())


@bp.post("/services/sync")
@admin_required
def sync():
    """Start Sync Services; the answer is a progress component that polls."""
    return jobruns.started(start_sync, current_user.org_id, "routing/_sync.html", sync_status)


@bp.get("/services/sync/<id:run_id>")
@admin_required
def sync_status(run_id):
    """Sync progress; once it is finished, 286 stops the polling and the services list refreshes."""
    return jobruns.polled(current_user.org_id, run_id, "routing/_sync.html", "sync", {"servicesChanged": True})


@bp.post("/services/<id:service_id>/<action>")
@admin_required
def service_action(service_id, action):
    """Configure, disable, make default, or use for VDP."""
    actions = {
        "configure": (services.configure_service, "{} is configured."),
        "disable": (services.disable_service, "{} will no longer receive alerts."),
        "default": (services.set_default, "{} is the default service."),
        "vdp": (services.set_vdp, "VDP alerts go to {}."),
    }
    if action not in actions:
        return respond("", 404, "danger", "Unknown action.")
    change, words = actions[action]
    try:
        service = change(current_user.org_id, service_id)
    except DomainError as error:
        status = error.status if error.status != 422 else 200
        return _render(SERVICES, status=status, level="danger", message=error.message, **_services_context())
    # The answer is the refreshed list itself: no servicesChanged, which would fetch it a second time.
    return _render(SERVICES, message=words.format(service.name), **_services_context())


@bp.post("/services/<id:service_id>/test")
@admin_required
def test_service(service_id):
    """Send test to <service>: a trigger and resolve to that service's key; the button becomes its progress."""
    service = get_in_org(Service, current_user.org_id, service_id, "service")
    try:
        run = start_test(current_user.org_id, service.id)
    except DomainError as error:
        return render_template("routing/_service_test.html", service=service, run=None, error=error.message)
    return render_template("routing/_service_test.html", service=service, run=run, error=None)


@bp.get("/services/<id:service_id>/test/<id:run_id>")
@admin_required
def test_service_status(service_id, run_id):
    """The test's progress; 286 stops the polling once it is finished."""
    service = get_in_org(Service, current_user.org_id, service_id, "service")
    run = get_in_org(JobRun, current_user.org_id, run_id, "run")
    db.session.refresh(run)
    body = render_template("routing/_service_test.html", service=service, run=run, error=None)
    if not run.is_finished:
        return body
    return respond(body, STOP_POLLING, "success" if run.status == "done" else "danger", run.message)


def _assignments_context(kind, error=None):
    context = {
        "kind": kind,
        "routes": assignments.page_of(kind, current_user.org_id, request.args.get("page", 1, type=int)),
        "targets": services.configured_services(current_user.org_id),
        "error": error,
    }
    if kind is assignments.NAMESPACES:
        context["clusters"] = inventory.clusters_with_namespaces(current_user.org_id)
    return context


def _save_assignment(kind, tab):
    """Create Assignment (or change one's service) of either kind; the tab's list answers."""
    try:
        assignments.assign(
            kind,
            current_user.org_id,
            request.form.get(kind.field, type=int),
            request.form.get("service_id"),
            request.form.get("route_id", type=int),
        )
    except DomainError as error:
        # Another org's namespace or resource does not exist for you: 404, as for any other record not yours.
        status = 404 if isinstance(error, NotFound) and request.form.get(kind.field) else 422
        return _render(tab, status=status, **_assignments_context(kind, error.message))
    return _render(tab, message="Assignment saved.", **_assignments_context(kind))


def _delete_assignment(kind, tab, route_id):
    assignments.delete(kind, current_user.org_id, route_id)
    return _render(tab, message="Assignment deleted.", **_assignments_context(kind))


@bp.get("/namespaces")
@admin_required
def namespaces():
    """The Namespaces tab."""
    return _render(NAMESPACES, **_assignments_context(assignments.NAMESPACES))


@bp.get("/namespaces/options")
@admin_required
def namespace_options():
    """The namespaces of the chosen cluster, for the dependent select."""
    cluster_id = request.args.get("cluster_id", type=int)
    if not cluster_id:  # "Choose a cluster" again: no namespaces to offer
        return render_template("routing/_namespace_options.html", namespaces=[])
    cluster = get_in_org(Cluster, current_user.org_id, cluster_id, "cluster")
    return render_template("routing/_namespace_options.html", namespaces=cluster.namespaces)


@bp.post("/namespaces")
@admin_required
def save_namespace_route():
    """Create Assignment (or change one's service)."""
    return _save_assignment(assignments.NAMESPACES, NAMESPACES)


@bp.post("/namespaces/<id:route_id>/delete")
@admin_required
def delete_namespace_route(route_id):
    """Delete an assignment (asked first)."""
    return _delete_assignment(assignments.NAMESPACES, NAMESPACES, route_id)


@bp.get("/resources")
@admin_required
def resources():
    """The Cloud resources tab."""
    return _render(RESOURCES, **_assignments_context(assignments.RESOURCES))


@bp.get("/resources/search")
@admin_required
def search_resources():
    """Search-as-you-type results for the resource picker."""
    found = services.search_resources(current_user.org_id, request.args.get("q", ""))
    return render_template("routing/_resource_results.html", resources=found)


@bp.post("/resources")
@admin_required
def save_resource_route():
    """Create Assignment for a cloud resource (or change one's service)."""
    return _save_assignment(assignments.RESOURCES, RESOURCES)


@bp.post("/resources/<id:route_id>/delete")
@admin_required
def delete_resource_route(route_id):
    """Delete an assignment (asked first)."""
    return _delete_assignment(assignments.RESOURCES, RESOURCES, route_id)


@bp.get("/preview")
@admin_required
def preview():
    """Where would this incident go, and why."""
    answer = explain(current_user.org_id, request.args) if request.args.get("kind") else None
    return _render(PREVIEW, answer=answer, args=request.args)
