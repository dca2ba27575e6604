"""The API's declared request bodies and query parameters; the OpenAPI description is generated from these."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from webapp.models import CloudResource, Cluster, Incident, Namespace, Report
from webapp.models.delivery import DELIVERY_ACTIONS, DELIVERY_STATUSES
from webapp.models.incident import INCIDENT_KINDS, INCIDENT_SEVERITIES, INCIDENT_STATUSES, PROVIDERS
from webapp.models.report import REPORT_SEVERITIES, REPORT_STATUSES
from webapp.schemas import UNION_TAGS, Lenient, UtcTime, column_length, column_text, text, text_or_list

ReportSeverity = Literal[REPORT_SEVERITIES]
ReportStatus = Literal[REPORT_STATUSES]
IncidentKind = Literal[INCIDENT_KINDS]
IncidentSeverity = Literal[INCIDENT_SEVERITIES]
IncidentStatus = Literal[INCIDENT_STATUSES]
Provider = Literal[PROVIDERS]
Title = column_text(Report.title, 1)
K8sName = column_text(Cluster.name, 1)
NamespaceName = column_text(Namespace.name, 1)
TextOrList = text_or_list(50_000, 5000, 500)


class NewReport(Lenient):
    """POST /reports."""

    title: Title
    description: text(100_000) | None = None
    researcher_email: Annotated[EmailStr, Field(max_length=column_length(Report.researcher_email))] | None = None
    severity: ReportSeverity | None = None


class Assessment(Lenient):
    """POST /reports/<id>/assessment."""

    severity: ReportSeverity


class StatusChange(Lenient):
    """POST /reports/<id>/status."""

    status: ReportStatus


class _IncidentFields(Lenient):
    title: column_text(Incident.title, 1)
    severity: IncidentSeverity
    transient: bool = False
    cluster: column_text(Incident.cluster) | None = None
    namespace: column_text(Incident.namespace) | None = None
    provider: Provider | None = None
    resource_id: column_text(Incident.resource_id) | None = None
    resource_type: column_text(Incident.resource_type) | None = None
    root_cause: text(20_000) | None = None
    affected_resources: TextOrList | None = None
    remediation_steps: TextOrList | None = None
    external_id: column_text(Incident.external_id) | None = None


class KubernetesIncident(_IncidentFields):
    """POST /incidents for a Kubernetes incident: cluster and namespace are required."""

    kind: Literal["kubernetes"]
    cluster: column_text(Incident.cluster, 1)
    namespace: column_text(Incident.namespace, 1)


class CloudIncident(_IncidentFields):
    """POST /incidents for a cloud incident: provider and resource_id are required."""

    kind: Literal["cloud"]
    provider: Provider
    resource_id: column_text(Incident.resource_id, 1)


NewIncident = Annotated[KubernetesIncident | CloudIncident, Field(discriminator="kind")]
UNION_TAGS.update(INCIDENT_KINDS)


class IncidentChanges(Lenient):
    """PATCH /incidents/<id>: only the fields sent change."""

    status: IncidentStatus | None = None
    severity: IncidentSeverity | None = None
    root_cause: text(20_000) | None = None
    affected_resources: TextOrList | None = None
    remediation_steps: TextOrList | None = None


class InventoryCluster(Lenient):
    """A cluster and the namespaces it has."""

    name: K8sName
    namespaces: Annotated[list[NamespaceName], Field(max_length=20_000)] = []


class InventoryResource(Lenient):
    """A cloud resource the routing picker offers."""

    provider: Provider
    resource_id: column_text(CloudResource.resource_id, 1)
    resource_type: column_text(CloudResource.resource_type, 1)
    name: column_text(CloudResource.name) | None = None
    region: column_text(CloudResource.region) | None = None


class Inventory(Lenient):
    """PUT /inventory."""

    clusters: Annotated[list[InventoryCluster], Field(max_length=20_000)] = []
    cloud_resources: Annotated[list[InventoryResource], Field(max_length=20_000)] = []


class _ListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    limit: Annotated[int, Field(ge=1, le=100, description="Items per page (1–100).")] = 25
    cursor: Annotated[text(200) | None, Field(description="next_cursor of the previous page.")] = None


class ReportQuery(_ListQuery):
    """GET /reports filters."""

    status: ReportStatus | None = None
    severity: ReportSeverity | None = None
    updated_since: Annotated[UtcTime | None, Field(description="ISO 8601; without a zone, UTC.")] = None


class IncidentQuery(_ListQuery):
    """GET /incidents filters."""

    status: IncidentStatus | None = None
    severity: IncidentSeverity | None = None
    updated_since: Annotated[UtcTime | None, Field(description="ISO 8601; without a zone, UTC.")] = None
    kind: IncidentKind | None = None
    external_id: column_text(Incident.external_id) | None = None


class DeliveryQuery(_ListQuery):
    """GET /deliveries filters (up to 500 a page, as before lists were paged)."""

    limit: Annotated[int, Field(ge=1, le=500, description="Items per page (1–500).")] = 25
    status: Literal[DELIVERY_STATUSES] | None = None
    action: Literal[DELIVERY_ACTIONS] | None = None
