"""All models, importable from one place."""

from webapp.models.delivery import Delivery, Sender  # noqa: F401
from webapp.models.health import HealthFinding, Heartbeat  # noqa: F401
from webapp.models.oncall import OnCallSettings, Shift, WarRoom  # noqa: F401
from webapp.models.org import ApiToken, AuditEntry, Org, OrgSettings, User  # noqa: F401
from webapp.models.pagerduty import Connection, JobRun, Service, WebhookReceipt, WebhookSecret  # noqa: F401
from webapp.models.routing import CloudResource, Cluster, Namespace, NamespaceRoute, ResourceRoute  # noqa: F401
from webapp.models.vocabularies import install_checks
from webapp.models.work import Incident, Report, TimelineEntry  # noqa: F401

install_checks()
