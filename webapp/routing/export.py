"""`routing` in settings export/import: default and VDP services, namespace and cloud-resource routes."""

from typing import Annotated, Literal

from pydantic import Field

from webapp.audit.services import record_change
from webapp.extensions import db
from webapp.models import CloudResource, Cluster, Namespace, NamespaceRoute, ResourceRoute, Service
from webapp.models.incident import PROVIDERS
from webapp.routing import inventory, services
from webapp.schemas import PagerDutyId, Strict, text
from webapp.settings_io import Section


def export_routing(org_id):
    """Routes by PagerDuty service id."""

    def flagged(flag):
        return db.session.scalar(db.select(Service.pd_id).filter_by(org_id=org_id, **{flag: True}))

    namespaces = db.session.execute(
        db.select(Cluster.name, Namespace.name, Service.pd_id)
        .join(Namespace, Namespace.cluster_id == Cluster.id)
        .join(NamespaceRoute, NamespaceRoute.namespace_id == Namespace.id)
        .join(Service, Service.id == NamespaceRoute.service_id)
        .where(Cluster.org_id == org_id)
        .order_by(Cluster.name, Namespace.name)
    ).all()
    resources = db.session.execute(
        db.select(CloudResource.provider, CloudResource.resource_id, Service.pd_id)
        .join(ResourceRoute, ResourceRoute.cloud_resource_id == CloudResource.id)
        .join(Service, Service.id == ResourceRoute.service_id)
        .where(CloudResource.org_id == org_id)
        .order_by(CloudResource.resource_id)
    ).all()
    return {
        "default_service": flagged("is_default"),
        "vdp_service": flagged("is_vdp"),
        "namespaces": [{"cluster": c, "namespace": n, "service": s} for c, n, s in namespaces],
        "cloud_resources": [{"provider": p, "resource_id": r, "service": s} for p, r, s in resources],
    }


class NamespaceRouteDocument(Strict):
    """Alerts of a known cluster/namespace go to this PagerDuty service."""

    cluster: text(253, 1)
    namespace: text(253, 1)
    service: PagerDutyId


class ResourceRouteDocument(Strict):
    """Alerts about this cloud resource go to this PagerDuty service."""

    provider: Literal[PROVIDERS]
    resource_id: text(512, 1)
    service: PagerDutyId


class RoutingDocument(Strict):
    """Default and VDP services, namespace and cloud-resource routes; what is left out stays as it is."""

    default_service: PagerDutyId | None = None
    vdp_service: PagerDutyId | None = None
    namespaces: Annotated[list[NamespaceRouteDocument], Field(max_length=20_000)] = None
    cloud_resources: Annotated[list[ResourceRouteDocument], Field(max_length=20_000)] = None


def _known_services(org_id):
    return set(
        db.session.scalars(db.select(Service.pd_id).where(Service.org_id == org_id, Service.removed_at.is_(None)))
    )


def check_routing(org_id, value):
    """Every named service must be known (synced); every namespace must be in the inventory."""
    known, errors = _known_services(org_id), {}
    unknown = "unknown PagerDuty service {!r} (run Sync Services first)"
    for key in ("default_service", "vdp_service"):
        if value.get(key) is not None and value[key] not in known:
            errors[key] = unknown.format(value[key])
    for index, item in enumerate(value.get("namespaces") or []):
        if item["service"] not in known:
            errors[f"namespaces[{index}].service"] = unknown.format(item["service"])
        elif _namespace(org_id, item["cluster"], item["namespace"]) is None:
            errors[f"namespaces[{index}]"] = f"unknown namespace {item['cluster']}/{item['namespace']}"
    for index, item in enumerate(value.get("cloud_resources") or []):
        if item["service"] not in known:
            errors[f"cloud_resources[{index}].service"] = unknown.format(item["service"])
    return errors


def _namespace(org_id, cluster, namespace):
    return db.session.scalar(
        db.select(Namespace)
        .join(Cluster)
        .where(Cluster.org_id == org_id, Cluster.name == cluster, Namespace.name == namespace)
    )


def _named_services(value):
    named = [value.get("default_service"), value.get("vdp_service")]
    named += [item["service"] for item in (value.get("namespaces") or []) + (value.get("cloud_resources") or [])]
    return [pd_id for pd_id in dict.fromkeys(named) if pd_id]


def prepare_routing(org_id, value):
    """PagerDuty's side, before any section changes: every service the document names gets its integration (found
    or made); a refusal raises before anything is written."""
    by_pd = {s.pd_id: s for s in db.session.scalars(db.select(Service).filter_by(org_id=org_id))}
    for pd_id in _named_services(value):
        service = by_pd[pd_id]
        if not (service.enabled and service.integration_key):
            services.provision_service(org_id, service)


def apply_routing(org_id, value):
    """Replace routes with the document's; the services it names were configured by `prepare_routing`."""
    by_pd = {s.pd_id: s for s in db.session.scalars(db.select(Service).filter_by(org_id=org_id))}
    before = export_routing(org_id)

    def configured(pd_id):
        return by_pd[pd_id]

    for key, flag in (("default_service", "is_default"), ("vdp_service", "is_vdp")):
        if key in value:
            db.session.execute(db.update(Service).where(Service.org_id == org_id).values({flag: False}))
            db.session.flush()
            if value[key]:
                setattr(configured(value[key]), flag, True)
    if "namespaces" in value:
        db.session.execute(db.delete(NamespaceRoute).where(NamespaceRoute.org_id == org_id))
        for item in value["namespaces"]:
            namespace = _namespace(org_id, item["cluster"], item["namespace"])
            db.session.add(
                NamespaceRoute(org_id=org_id, namespace_id=namespace.id, service_id=configured(item["service"]).id)
            )
    if "cloud_resources" in value:
        db.session.execute(db.delete(ResourceRoute).where(ResourceRoute.org_id == org_id))
        for item in value["cloud_resources"]:
            resource = inventory.ensure_resource(org_id, item["provider"], item["resource_id"])
            db.session.add(
                ResourceRoute(org_id=org_id, cloud_resource_id=resource.id, service_id=configured(item["service"]).id)
            )
    db.session.flush()
    after = export_routing(org_id)
    record_change(org_id, "routing.imported", {k: before[k] for k in value}, {k: after[k] for k in value})


SETTINGS_SECTIONS = (
    Section("routing", export_routing, RoutingDocument, apply_routing, check=check_routing, prepare=prepare_routing),
)
