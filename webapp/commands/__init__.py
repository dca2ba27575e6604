"""The contract's command line: `flask --app wsgi <group> <command>`."""

from webapp.commands import jobs, orgs, pagerduty, settings


def register(app):
    """Attach every command group to the app's CLI."""
    for group in (orgs.orgs, orgs.users, orgs.tokens, orgs.secrets, jobs.jobs, settings.settings_group):
        app.cli.add_command(group)
    app.cli.add_command(orgs.demo)
    app.cli.add_command(pagerduty.pagerduty)
