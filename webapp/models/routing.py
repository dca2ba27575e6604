"""The routing inventory (clusters, namespaces, cloud resources) and the routes to PagerDuty services."""

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow


class Cluster(db.Model):
    """A Kubernetes cluster known to the org."""

    __tablename__ = "clusters"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    name = db.Column(db.String(253), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    namespaces = db.relationship(
        "Namespace", back_populates="cluster", cascade="all, delete-orphan", order_by="Namespace.name"
    )

    __table_args__ = (db.UniqueConstraint("org_id", "name", name="uq_clusters_org_name"),)


class Namespace(db.Model):
    """A namespace of a cluster."""

    __tablename__ = "namespaces"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True)
    cluster_id = db.Column(db.Integer, db.ForeignKey("clusters.id", ondelete="CASCADE"), nullable=False)
    name = db.Column(db.String(253), nullable=False)
    cluster = db.relationship(Cluster, back_populates="namespaces")

    __table_args__ = (db.UniqueConstraint("cluster_id", "name", name="uq_namespaces_cluster_name"),)


class CloudResource(db.Model):
    """An AWS or OCI resource that cloud incidents can name."""

    __tablename__ = "cloud_resources"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False)
    provider = db.Column(db.String(8), nullable=False)
    resource_id = db.Column(db.String(512), nullable=False)
    resource_type = db.Column(db.String(100), nullable=False, default="")
    name = db.Column(db.String(255))
    region = db.Column(db.String(64))

    __table_args__ = (db.UniqueConstraint("org_id", "provider", "resource_id", name="uq_cloud_resources_org_resource"),)


class NamespaceRoute(db.Model):
    """Cluster + namespace → PagerDuty service; at most one per namespace."""

    __tablename__ = "namespace_routes"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True)
    namespace_id = db.Column(
        db.Integer, db.ForeignKey("namespaces.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    service_id = db.Column(db.Integer, db.ForeignKey("pagerduty_services.id", ondelete="CASCADE"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    namespace = db.relationship(Namespace, lazy="joined")
    service = db.relationship("Service", lazy="joined")


class ResourceRoute(db.Model):
    """Cloud resource → PagerDuty service; at most one per resource."""

    __tablename__ = "resource_routes"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True)
    cloud_resource_id = db.Column(
        db.Integer, db.ForeignKey("cloud_resources.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    service_id = db.Column(db.Integer, db.ForeignKey("pagerduty_services.id", ondelete="CASCADE"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    resource = db.relationship(CloudResource, lazy="joined")
    service = db.relationship("Service", lazy="joined")
