"""`jobs run NAME`: run a periodic job now, in the foreground, and print what it did."""

from importlib import import_module

import click
from flask.cli import with_appcontext

from webapp.commands.errors import cli_errors
from webapp.orgs.services import org_by_slug

RUNNERS = {
    "sla": "webapp.sla.services:evaluate_all",
    "oncall": "webapp.oncall.sync:sync_oncall_all",
    "sweep": "webapp.alerts.outbox:sweep",
    "services": "webapp.routing.sync:sync_services_all",
    "reconcile": "webapp.webhooks.reconcile:reconcile_all",
    "health": "webapp.health.services:check_all",
}


def runner(name):
    """The function behind a job name: each takes org_id=None and returns lines describing what it did."""
    module, _, attribute = RUNNERS[name].partition(":")
    return getattr(import_module(module), attribute)


@click.group("jobs")
def jobs():
    """Run PagerBridge's background jobs by hand."""


@jobs.command("run")
@click.argument("name", type=click.Choice(sorted(RUNNERS)))
@click.option("--org", "org_slug", default=None, help="Only this org.")
@with_appcontext
def run(name, org_slug):
    """Run the SLA evaluator, on-call sync, outbox sweep, Sync Services, the health check or the reconciliation now."""
    with cli_errors():
        org_id = org_by_slug(org_slug).id if org_slug else None
        lines = runner(name)(org_id=org_id)
    for line in lines or ["nothing to do"]:
        click.echo(line)
