"""Demo data: an org with users and a token, connected to the PagerDuty sandbox, with routes, on-call and work."""

from webapp.api.services import create_token
from webapp.config import pagerduty_api_override
from webapp.connection.services import connect_api_token
from webapp.extensions import db
from webapp.incidents.services import create_incident
from webapp.models import Org, Service
from webapp.models.types import utcnow
from webapp.oncall.services import set_mode
from webapp.oncall.sync import sync_oncall
from webapp.orgs.services import create_org
from webapp.reports.services import assess_report, create_report
from webapp.routing import assignments, inventory, services
from webapp.routing.sync import run_sync
from webapp.sla.evaluator import evaluate
from webapp.users.services import create_user
from webapp.webhooks.setup import create_subscription

DEMO_SLUG = "acme"
DEMO_ADMIN = ("admin@example.com", "demo-password")
DEMO_MEMBER = ("member@example.com", "demo-password")
SANDBOX_TOKEN = "sandbox-demo-api-token-0001"
SANDBOX_VDP_KEY = "d" * 31 + "1"


def load_demo():
    """Create the demo org once (idempotent) and return lines saying what exists."""
    org = db.session.scalar(db.select(Org).filter_by(slug=DEMO_SLUG))
    if org is not None:
        return [f"The demo org '{DEMO_SLUG}' exists already.", _sign_in_line()]
    org = create_org(DEMO_SLUG, "Acme Security")
    create_user(org.id, DEMO_ADMIN[0], "admin", DEMO_ADMIN[1], "Ada Admin")
    create_user(org.id, DEMO_MEMBER[0], "member", DEMO_MEMBER[1], "Max Member")
    lines = [f"Demo API token for {DEMO_SLUG}: {create_token(org.id, 'demo')}"]
    if pagerduty_api_override():
        lines += connect_demo(org.id)
    else:
        lines.append("PAGERDUTY_API_URL is not set: the demo org stays disconnected.")
    lines += add_work(org.id)
    return lines + [_sign_in_line()]


def _sign_in_line():
    return f"Sign in as {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]} (admin) or {DEMO_MEMBER[0]} / {DEMO_MEMBER[1]} (member)."


def _step(lines, label, action):
    try:
        action()
        lines.append(f"demo: {label}")
    except Exception as exc:  # noqa: BLE001 - a demo step that fails must not stop the others
        db.session.rollback()
        lines.append(f"demo: {label} skipped ({exc})")


def connect_demo(org_id):
    """Connect to the sandbox's demo account, subscribe its webhooks, and set up services, routes and on-call."""
    lines = []

    def by_name(name):
        return db.session.scalar(db.select(Service.id).filter_by(org_id=org_id, name=name))

    def routes():
        services.set_default(org_id, services.configure_service(org_id, by_name("Platform On-Call")).id)
        payments = services.configure_service(org_id, by_name("Payments"))
        cloud = services.configure_service(org_id, by_name("Cloud Security"))
        inventory.upsert_inventory(
            org_id,
            [
                {"name": "prod-eu", "namespaces": ["payments", "web", "data"]},
                {"name": "staging", "namespaces": ["web"]},
            ],
            [
                {
                    "provider": "aws",
                    "resource_id": "arn:aws:s3:::acme-customer-exports",
                    "resource_type": "s3_bucket",
                    "name": "acme-customer-exports",
                    "region": "eu-west-1",
                },
                {
                    "provider": "aws",
                    "resource_id": "i-0a1b2c3d4e5f60718",
                    "resource_type": "ec2_instance",
                    "name": "bastion-1",
                    "region": "eu-west-1",
                },
                {
                    "provider": "oci",
                    "resource_id": "ocid1.bucket.oc1..aaaabackups",
                    "resource_type": "bucket",
                    "name": "backups",
                },
            ],
        )
        namespace = inventory.ensure_namespace(org_id, "prod-eu", "payments")
        assignments.assign_namespace(org_id, namespace.id, payments.id)
        bucket = inventory.ensure_resource(org_id, "aws", "arn:aws:s3:::acme-customer-exports")
        assignments.assign_resource(org_id, bucket.id, cloud.id)

    _step(
        lines, "connected to the PagerDuty sandbox", lambda: connect_api_token(org_id, SANDBOX_TOKEN, SANDBOX_VDP_KEY)
    )
    _step(lines, "webhook subscription created", lambda: create_subscription(org_id))
    _step(lines, "services synced", lambda: run_sync(org_id))
    _step(lines, "services configured and routes assigned", routes)
    _step(
        lines,
        "on-call follows the Security Primary schedule",
        lambda: (set_mode(org_id, "pagerduty", "PSCHED1", "Security Primary"), sync_oncall(org_id)),
    )
    return lines


def add_work(org_id):
    """A few reports and incidents so every page has something to show."""
    lines = []

    def work():
        first = create_report(
            org_id,
            "Stored XSS in the support portal",
            "The ticket subject is rendered unescaped.",
            "researcher@example.org",
            source="form",
        )
        assess_report(org_id, first.id, "high")
        create_report(org_id, "Open redirect on /login", "next= accepts any host.", "hunter@example.net")
        create_incident(
            org_id,
            {
                "kind": "kubernetes",
                "title": "Crash loop in payments-api",
                "severity": "high",
                "cluster": "prod-eu",
                "namespace": "payments",
                "root_cause": "The new release exhausts its memory limit on start.",
                "affected_resources": ["deployment/payments-api"],
                "remediation_steps": ["Roll back to the previous release", "Raise the limit"],
                "external_id": "demo-k8s-1",
            },
        )
        create_incident(
            org_id,
            {
                "kind": "cloud",
                "title": "S3 bucket made public",
                "severity": "critical",
                "provider": "aws",
                "resource_id": "arn:aws:s3:::acme-customer-exports",
                "resource_type": "s3_bucket",
                "root_cause": "A bucket policy allows s3:GetObject for everyone.",
                "remediation_steps": ["Restore the bucket policy"],
                "external_id": "demo-cloud-1",
            },
        )

    _step(lines, "sample reports and incidents added", work)
    _step(lines, "a critical report near its SLA deadline, evaluated", lambda: _report_at_risk(org_id))
    return lines


def _report_at_risk(org_id):
    """A report submitted 20 hours ago, assessed critical: with 24 h allowed and 25% left, it is at risk at once."""
    from datetime import timedelta

    report = create_report(
        org_id,
        "SQL injection in /api/search",
        "The q parameter reaches the query unquoted.",
        "sqli@example.org",
        source="form",
    )
    report.submitted_at = utcnow() - timedelta(hours=20)
    for entry in report.timeline:  # its "submitted" line moves back with it: header and timeline agree
        entry.at = report.submitted_at
    db.session.commit()
    assess_report(org_id, report.id, "critical")  # recomputes the deadline from the earlier submission
    evaluate(org_id)
