"""Commands for orgs, users, API tokens, secrets and the demo."""

import click
from flask.cli import with_appcontext

from webapp.commands.errors import cli_errors


@click.group("orgs")
def orgs():
    """Manage organisations."""


@orgs.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The org's display name.")
@with_appcontext
def create_org(slug, name):
    """Create an org."""
    from webapp.orgs.services import create_org as create

    with cli_errors():
        org = create(slug, name)
    click.echo(f"Created org {org.slug} ({org.name}).")


@click.group("users")
def users():
    """Manage users."""


@users.command("create")
@click.argument("email")
@click.option("--org", "org_slug", required=True, help="The org's slug.")
@click.option("--role", type=click.Choice(["admin", "member"]), required=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 10 characters; asked for with hidden input when left out.",
)
@click.option("--name", default="", help="Display name.")
@with_appcontext
def create_user(email, org_slug, role, password, name):
    """Create a user in an org."""
    from email_validator import EmailNotValidError, validate_email

    from webapp.orgs.services import org_by_slug
    from webapp.users.services import create_user as create

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from None
    with cli_errors():
        user = create(org_by_slug(org_slug).id, email, role, password, name)
    click.echo(f"Created {user.role} {user.email} in {org_slug}.")


@click.group("tokens")
def tokens():
    """Manage org API tokens."""


@tokens.command("create")
@click.option("--org", "org_slug", required=True, help="The org's slug.")
@click.option("--label", default="cli", help="A note on what the token is for.")
@with_appcontext
def create_token(org_slug, label):
    """Print a new API token for the org (shown once)."""
    from webapp.api.services import create_token as create
    from webapp.orgs.services import org_by_slug

    with cli_errors():
        token = create(org_by_slug(org_slug).id, label)
    click.echo(token)


@click.group("secrets")
def secrets():
    """Manage encryption of secrets at rest."""


@secrets.command("rotate")
@with_appcontext
def rotate():
    """Re-encrypt every stored secret under the first key of ENCRYPTION_KEYS."""
    from webapp.secrets_rotation import rotate_all

    click.echo(f"Re-encrypted {rotate_all()} secret values under the newest key.")


@click.command("demo")
@with_appcontext
def demo():
    """Load demo data connected to the PagerDuty sandbox (refused in production: the demo passwords are public)."""
    from webapp.config import is_production
    from webapp.demo import load_demo

    if is_production():
        raise click.ClickException(
            "The demo refuses to run in production: it creates users with published passwords. "
            "Create your org and users with `orgs create` and `users create`."
        )

    with cli_errors():
        for line in load_demo():
            click.echo(line)
