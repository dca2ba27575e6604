"""The routing inventory (clusters, namespaces, cloud resources) and the routes to PagerDuty services."""

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.types import OrgRecord, OrgScoped, org_index

if TYPE_CHECKING:
    from webapp.models.pagerduty import Service


class Cluster(OrgRecord, db.Model):
    """A Kubernetes cluster known to the org."""

    __tablename__ = "clusters"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(253))
    namespaces: Mapped[list["Namespace"]] = relationship(
        back_populates="cluster", cascade="all, delete-orphan", order_by="Namespace.name"
    )

    __table_args__ = (db.UniqueConstraint("org_id", "name", name="uq_clusters_org_name"),)


class Namespace(OrgScoped, db.Model):
    """A namespace of a cluster."""

    __tablename__ = "namespaces"
    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(db.String(253))
    cluster: Mapped["Cluster"] = relationship(Cluster, back_populates="namespaces")

    __table_args__ = (
        org_index("namespaces"),
        db.UniqueConstraint("cluster_id", "name", name="uq_namespaces_cluster_name"),
    )


class CloudResource(OrgScoped, db.Model):
    """An AWS or OCI resource that cloud incidents can name."""

    __tablename__ = "cloud_resources"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(db.String(8))
    resource_id: Mapped[str] = mapped_column(db.String(512))
    resource_type: Mapped[str] = mapped_column(db.String(100), default="")
    name: Mapped[str | None] = mapped_column(db.String(255))
    region: Mapped[str | None] = mapped_column(db.String(64))

    __table_args__ = (db.UniqueConstraint("org_id", "provider", "resource_id", name="uq_cloud_resources_org_resource"),)


class NamespaceRoute(OrgRecord, db.Model):
    """Cluster + namespace → PagerDuty service; at most one per namespace."""

    __tablename__ = "namespace_routes"
    id: Mapped[int] = mapped_column(primary_key=True)
    namespace_id: Mapped[int] = mapped_column(ForeignKey("namespaces.id", ondelete="CASCADE"), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("pagerduty_services.id", ondelete="CASCADE"))
    namespace: Mapped["Namespace"] = relationship(Namespace, lazy="joined")
    service: Mapped["Service"] = relationship("Service", lazy="joined")

    __table_args__ = (org_index("namespace_routes"),)


class ResourceRoute(OrgRecord, db.Model):
    """Cloud resource → PagerDuty service; at most one per resource."""

    __tablename__ = "resource_routes"
    id: Mapped[int] = mapped_column(primary_key=True)
    cloud_resource_id: Mapped[int] = mapped_column(ForeignKey("cloud_resources.id", ondelete="CASCADE"), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("pagerduty_services.id", ondelete="CASCADE"))
    resource: Mapped["CloudResource"] = relationship(CloudResource, lazy="joined")
    service: Mapped["Service"] = relationship("Service", lazy="joined")

    __table_args__ = (org_index("resource_routes"),)
