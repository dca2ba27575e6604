"""`pagerduty connect|disconnect|subscribe|status`, doing exactly what the settings pages do (in the foreground)."""

from contextlib import contextmanager

import click
from flask.cli import with_appcontext

from webapp.commands.errors import cli_errors
from webapp.connection import services
from webapp.connection.services import status_lines
from webapp.error_pages import database_unavailable
from webapp.findings.outages import redis_answers
from webapp.orgs.services import org_by_slug
from webapp.webhooks.setup import create_subscription


@click.group("pagerduty")
def pagerduty():
    """Connect an org to PagerDuty and inspect the connection."""


@pagerduty.command("connect")
@click.option("--org", "org_slug", required=True)
@click.option("--api-token", default=None, help="REST API token (full features).")
@click.option("--integration-key", default=None, help="Events API v2 key for VDP alerts.")
@click.option("--signing-secret", default=None, help="Webhook v3 signing secret.")
@click.option("--routing-key", default=None, help="Legacy method: one integration key.")
@click.option("--service-name", default=None, help="Legacy method: the service's name.")
@click.option("--region", type=click.Choice(["us", "eu"]), default="us")
@with_appcontext
def connect(org_slug, api_token, integration_key, signing_secret, routing_key, service_name, region):
    """Connect with an API token, or with --routing-key and --service-name (legacy)."""
    if bool(api_token) == bool(routing_key):
        raise click.UsageError("Give either --api-token or --routing-key (with --service-name).")
    with cli_errors():
        org = org_by_slug(org_slug)
        if api_token:
            connection = services.connect_api_token(
                org.id, api_token, integration_key, signing_secret, region, restore_now=True
            )
        else:
            connection = services.connect_routing_key(org.id, routing_key, service_name, region)
    click.echo(f"Connected {org.slug} to PagerDuty ({connection.method}, {region.upper()}).")
    if getattr(connection, "restore_summary", None):
        click.echo(connection.restore_summary)


@pagerduty.command("status")
@click.option("--org", "org_slug", required=True)
@with_appcontext
def status(org_slug):
    """Print the connection's state, last error, webhook URL and standing warnings."""
    with cli_errors(), database_outage_said():
        lines = status_lines(org_by_slug(org_slug))
    for line in lines:
        click.echo(line)


@contextmanager
def database_outage_said():
    """PostgreSQL not answering is said in words (and exits 1), never shown as a traceback."""
    try:
        yield
    except Exception as error:
        if not database_unavailable(error):
            raise
        redis = "Redis is answering" if redis_answers() else "Redis is not answering either"
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0][:200]
        raise click.ClickException(
            f"PostgreSQL is not answering ({reason}): the connection's state cannot be read. {redis}. "
            "Alerts already stored go out once it is back."
        ) from None


@pagerduty.command("disconnect")
@click.option("--org", "org_slug", required=True)
@with_appcontext
def disconnect(org_slug):
    """Stop all alerts, cancel pending ones, delete the subscription PagerBridge created; routes are kept."""
    with cli_errors():
        org = org_by_slug(org_slug)
        cancelled, _ = services.disconnect(org.id, foreground=True)
    click.echo(f"Disconnected {org.slug} from PagerDuty; {cancelled} pending alerts cancelled; routes kept.")


@pagerduty.command("subscribe")
@click.option("--org", "org_slug", required=True)
@with_appcontext
def subscribe(org_slug):
    """Create the webhook subscription, or reuse and repair the one PagerDuty has for this org's URL."""
    with cli_errors():
        subscription = create_subscription(org_by_slug(org_slug).id)
    click.echo(subscription["id"])
