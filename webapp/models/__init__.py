"""All models, importable from one place."""

from webapp.models.delivery import Delivery, Sender  # noqa: F401
from webapp.models.health import HealthFinding, Heartbeat  # noqa: F401
from webapp.models.incident import Incident  # noqa: F401
from webapp.models.jobrun import JobRun  # noqa: F401
from webapp.models.oncall import OnCallSettings, Shift, WarRoom  # noqa: F401
from webapp.models.org import ApiToken, AuditEntry, Org, OrgSettings, User  # noqa: F401
from webapp.models.pagerduty import Connection, Service, WebhookReceipt, WebhookSecret  # noqa: F401
from webapp.models.report import Report  # noqa: F401
from webapp.models.routing import CloudResource, Cluster, Namespace, NamespaceRoute, ResourceRoute  # noqa: F401
from webapp.models.timeline import TimelineEntry  # noqa: F401
from webapp.models.vocabularies import install_checks

# What PagerDuty's incident mirrors, and alerts and webhooks speak of: a report or a runtime incident.
Subject = Report | Incident

install_checks()
