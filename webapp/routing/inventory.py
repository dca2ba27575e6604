"""The routing inventory: clusters, namespaces and cloud resources, from the API and from incidents."""

from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import CloudResource, Cluster, Namespace
from webapp.unit_of_work import remember, remembered


def _get_or_create(model, **key):
    """The row with these key columns, inserted when missing; safe when another request inserts it at once."""
    found = db.session.scalar(db.select(model).filter_by(**key))
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            found = model(**key)
            db.session.add(found)
    except IntegrityError:
        found = db.session.scalar(db.select(model).filter_by(**key))
    return found


def remember_namespace(namespace: Namespace, cluster_name: str) -> None:
    """A namespace row read along with something else (its route): `ensure_namespace` finds it without a query."""
    remember("namespace", (namespace.org_id, cluster_name, namespace.name), namespace)


def remember_resource(resource: CloudResource) -> None:
    """A cloud resource row read along with something else (its route): `ensure_resource` finds it."""
    remember("cloud_resource", (resource.org_id, resource.provider, resource.resource_id), resource)


def ensure_namespace(org_id: int, cluster_name: str, namespace_name: str) -> Namespace:
    """The namespace row, created with its cluster when new."""
    known: Namespace | None = remembered(
        "namespace",
        (org_id, cluster_name, namespace_name),
        lambda: db.session.scalar(
            db.select(Namespace)
            .join(Cluster, Cluster.id == Namespace.cluster_id)
            .where(Cluster.org_id == org_id, Cluster.name == cluster_name, Namespace.name == namespace_name)
        ),
    )
    if known is not None:  # the common case, in one query (or none, when routing read it)
        return known
    cluster = _get_or_create(Cluster, org_id=org_id, name=cluster_name)
    return _get_or_create(Namespace, org_id=org_id, cluster_id=cluster.id, name=namespace_name)


def ensure_resource(
    org_id: int,
    provider: str,
    resource_id: str,
    resource_type: str | None = None,
    name: str | None = None,
    region: str | None = None,
) -> CloudResource:
    """The cloud resource row, created when new, its details refreshed when given."""
    resource: CloudResource | None = remembered("cloud_resource", (org_id, provider, resource_id), lambda: None)
    if resource is None:
        resource = _get_or_create(CloudResource, org_id=org_id, provider=provider, resource_id=resource_id)
    resource.resource_type = resource_type or resource.resource_type or ""
    resource.name, resource.region = name or resource.name, region or resource.region
    db.session.flush()
    return resource


def upsert_inventory(org_id, clusters, resources):
    """PUT /inventory: add what is new, refresh what is known; returns counts."""
    namespaces = sum(1 for c in clusters for ns in c["namespaces"] if ensure_namespace(org_id, c["name"], ns))
    for item in resources:
        ensure_resource(
            org_id, item["provider"], item["resource_id"], item["resource_type"], item.get("name"), item.get("region")
        )
    db.session.commit()
    return {"clusters": len(clusters), "namespaces": namespaces, "cloud_resources": len(resources)}


def record_from_incident(incident):
    """An incident naming an unknown cluster, namespace or resource adds it to the inventory."""
    if incident.kind == "kubernetes" and incident.cluster and incident.namespace:
        ensure_namespace(incident.org_id, incident.cluster, incident.namespace)
    elif incident.kind == "cloud" and incident.provider and incident.resource_id:
        ensure_resource(incident.org_id, incident.provider, incident.resource_id, incident.resource_type)


def clusters_with_namespaces(org_id):
    """Clusters by name, with their namespaces."""
    return db.session.scalars(db.select(Cluster).filter_by(org_id=org_id).order_by(Cluster.name)).all()
