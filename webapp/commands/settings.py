"""`settings export` and `settings import`: an org's settings as JSON, without secrets."""

import json

import click
from flask.cli import with_appcontext

from webapp.commands.errors import cli_errors
from webapp.orgs.services import org_by_slug
from webapp.settings_io import export_settings
from webapp.transfer.services import import_settings, read_document


@click.group("settings")
def settings_group():
    """Export and import an org's settings."""


@settings_group.command("export")
@click.option("--org", "org_slug", required=True)
@with_appcontext
def export(org_slug):
    """Print the org's settings as JSON."""
    with cli_errors():
        document = export_settings(org_by_slug(org_slug).id)
    click.echo(json.dumps(document, indent=2, sort_keys=True))


@settings_group.command("import")
@click.option("--org", "org_slug", required=True)
@click.argument("file", type=click.File("r"))
@with_appcontext
def import_(org_slug, file):
    """Apply a settings file, validated, all or nothing."""
    with cli_errors():
        document = read_document(file.read())
        import_settings(org_by_slug(org_slug).id, document)
    click.echo(f"Applied settings to {org_slug}: {', '.join(sorted(document)) or 'nothing'}.")
