"""Settings → PagerDuty → Services, Namespaces, Cloud resources and Route preview tabs."""

from flask import render_template, request
from flask_htmx import make_response
from flask_htmx.constants import HTMX_STOP_POLLING
from flask_login import current_user

from webapp.connection.services import connection_for
from webapp.errors import DomainError
from webapp.extensions import db, htmx
from webapp.models import Cluster, JobRun, NamespaceRoute, ResourceRoute
from webapp.routing import bp, inventory, services, settings  # noqa: F401  (settings registers its section)
from webapp.routing.sync import start_sync
from webapp.tenancy import admin_required, get_in_org


def _toast(level, message, **events):
    return {"toast": {"level": level, "message": message}, **events}


def _render(template, partial, status=200, trigger=None, **context):
    context.setdefault("connection", connection_for(current_user.org_id))
    body = render_template(partial if htmx else template, **context)
    response = make_response(body, status, trigger=trigger)
    response.headers["Vary"] = "HX-Request"
    return response


def _services_context():
    return {
        "page": services.services_page(
            current_user.org_id, request.args.get("q"), request.args.get("page", 1, type=int)
        ),
        "q": request.args.get("q") or "",
    }


@bp.get("/services", endpoint="services")
@admin_required
def services_tab():
    """The Services tab; the list fragment for htmx."""
    return _render("routing/services.html", "routing/_services.html", **_services_context())


@bp.post("/services/sync")
@admin_required
def sync():
    """Start Sync Services; the answer is a progress component that polls."""
    try:
        run = start_sync(current_user.org_id)
    except DomainError as error:
        return make_response(render_template("routing/_sync.html", run=None, error=error.message))
    return render_template("routing/_sync.html", run=run, error=None)


@bp.get("/services/sync/<id:run_id>")
@admin_required
def sync_status(run_id):
    """Sync progress; 286 stops the polling and the list refreshes."""
    run = get_in_org(JobRun, run_id)
    db.session.refresh(run)
    body = render_template("routing/_sync.html", run=run, error=None)
    if run.is_finished:
        return make_response(
            body,
            HTMX_STOP_POLLING,
            trigger=_toast("success" if run.status == "done" else "danger", run.message, servicesChanged=True),
        )
    return body


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
        return make_response("", 404)
    change, words = actions[action]
    try:
        service = change(current_user.org_id, service_id)
    except DomainError as error:
        return _render(
            "routing/services.html",
            "routing/_services.html",
            error.status if error.status != 422 else 200,
            trigger=_toast("danger", error.message),
            **_services_context(),
        )
    return _render(
        "routing/services.html",
        "routing/_services.html",
        trigger=_toast("success", words.format(service.name), servicesChanged=True),
        **_services_context(),
    )


def _namespace_context(error=None):
    return {
        "routes": services.namespace_routes(current_user.org_id, request.args.get("page", 1, type=int)),
        "clusters": inventory.clusters_with_namespaces(current_user.org_id),
        "targets": services.configured_services(current_user.org_id),
        "error": error,
    }


@bp.get("/namespaces")
@admin_required
def namespaces():
    """The Namespaces tab."""
    return _render("routing/namespaces.html", "routing/_namespaces.html", **_namespace_context())


@bp.get("/namespaces/options")
@admin_required
def namespace_options():
    """The namespaces of the chosen cluster, for the dependent select."""
    cluster = db.session.get(Cluster, request.args.get("cluster_id", type=int) or 0)
    names = cluster.namespaces if cluster is not None and cluster.org_id == current_user.org_id else []
    return render_template("routing/_namespace_options.html", namespaces=names)


@bp.post("/namespaces")
@admin_required
def save_namespace_route():
    """Create Assignment (or change one's service)."""
    try:
        services.assign_namespace(
            current_user.org_id,
            request.form.get("namespace_id", type=int),
            request.form.get("service_id"),
            request.form.get("route_id", type=int),
        )
    except DomainError as error:
        return _render("routing/namespaces.html", "routing/_namespaces.html", 422, **_namespace_context(error.message))
    return _render(
        "routing/namespaces.html",
        "routing/_namespaces.html",
        trigger=_toast("success", "Assignment saved.", routesChanged=True),
        **_namespace_context(),
    )


@bp.post("/namespaces/<id:route_id>/delete")
@admin_required
def delete_namespace_route(route_id):
    """Delete an assignment (asked first)."""
    services.delete_route(current_user.org_id, NamespaceRoute, route_id)
    return _render(
        "routing/namespaces.html",
        "routing/_namespaces.html",
        trigger=_toast("success", "Assignment deleted.", routesChanged=True),
        **_namespace_context(),
    )


def _resource_context(error=None):
    return {
        "routes": services.resource_routes(current_user.org_id, request.args.get("page", 1, type=int)),
        "targets": services.configured_services(current_user.org_id),
        "error": error,
    }


@bp.get("/resources")
@admin_required
def resources():
    """The Cloud resources tab."""
    return _render("routing/resources.html", "routing/_resources.html", **_resource_context())


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
    try:
        services.assign_resource(
            current_user.org_id,
            request.form.get("resource_id", type=int),
            request.form.get("service_id"),
            request.form.get("route_id", type=int),
        )
    except DomainError as error:
        return _render("routing/resources.html", "routing/_resources.html", 422, **_resource_context(error.message))
    return _render(
        "routing/resources.html",
        "routing/_resources.html",
        trigger=_toast("success", "Assignment saved.", routesChanged=True),
        **_resource_context(),
    )


@bp.post("/resources/<id:route_id>/delete")
@admin_required
def delete_resource_route(route_id):
    """Delete an assignment (asked first)."""
    services.delete_route(current_user.org_id, ResourceRoute, route_id)
    return _render(
        "routing/resources.html",
        "routing/_resources.html",
        trigger=_toast("success", "Assignment deleted.", routesChanged=True),
        **_resource_context(),
    )


@bp.get("/preview")
@admin_required
def preview():
    """Where would this incident go, and why."""
    from webapp.routing.preview import explain

    answer = explain(current_user.org_id, request.args) if request.args.get("kind") else None
    return _render("routing/preview.html", "routing/_preview_result.html", answer=answer, args=request.args)
