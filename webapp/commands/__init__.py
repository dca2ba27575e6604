"""The contract's command line: `flask --app wsgi <group> <command>`."""

import functools

import click
from flask.cli import with_appcontext

from webapp.commands import jobs, orgs, pagerduty, settings
from webapp.extensions import db


def register(app):
    """Attach every command group to the app's CLI, each command committing its work as the pages do."""
    for group in (orgs.orgs, orgs.users, orgs.tokens, orgs.secrets, jobs.jobs, settings.settings_group):
        app.cli.add_command(committing(group))
    app.cli.add_command(committing(orgs.demo))
    app.cli.add_command(committing(pagerduty.pagerduty))


def committing(command: click.Command) -> click.Command:
    """Wrap `command` (and a group's commands) so that its work is committed when it succeeds and rolled back when
    it fails: a page's request ends in a commit, and a command that forgot one would lose its work on exit."""
    if isinstance(command, click.Group):
        for child in command.commands.values():
            committing(child)
        return command
    callback = command.callback
    if callback is None or getattr(callback, "commits", False):
        return command

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            result = callback(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    run.commits = True
    command.callback = with_appcontext(run)
    command.callback.commits = True
    return command
