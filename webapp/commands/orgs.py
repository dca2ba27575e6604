"""Commands for orgs, users, API tokens, secrets and the demo."""

import click
from flask.cli import with_appcontext

from webapp.api import services as token_services
from webapp.api.services import tokens_of
from webapp.commands.errors import cli_errors
from webapp.config import is_production
from webapp.demo import load_demo
from webapp.orgs import services as org_services
from webapp.orgs.services import org_by_slug
from webapp.secrets_rotation import rotate_all
from webapp.users import services as user_services
from webapp.users.services import set_operator


@click.group("orgs")
def orgs():
    """Manage organisations."""


@orgs.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The org's display name.")
@with_appcontext
def create_org(slug, name):
    """Create an org."""
    with cli_errors():
        org = org_services.create_org(slug, name)
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

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from None
    with cli_errors():
        user = user_services.create_user(org_by_slug(org_slug).id, email, role, password, name)
    click.echo(f"Created {user.role} {user.email} in {org_slug}.")


@users.command("operator")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the operator role away.")
@with_appcontext
def operator(email, revoke):
    """Grant (or --revoke) the operator role: the deployment-wide Operations view. Only this command grants it."""
    with cli_errors():
        user = set_operator(email, not revoke)
    click.echo(f"{user.email} {'is' if user.is_operator else 'is no longer'} an operator.")


@click.group("tokens")
def tokens():
    """Manage org API tokens."""


@tokens.command("create")
@click.option("--org", "org_slug", required=True, help="The org's slug.")
@click.option("--name", "--label", "name", default="cli", help="What the token is for (shown in the token list).")
@with_appcontext
def create_token(org_slug, name):
    """Print a new API token for the org (shown once)."""
    with cli_errors():
        token = token_services.create_token(org_by_slug(org_slug).id, name, actor="cli")
    click.echo(token)


def _when(moment):
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


@tokens.command("list")
@click.option("--org", "org_slug", required=True, help="The org's slug.")
@with_appcontext
def list_tokens(org_slug):
    """One line per token: id, name, created, last used, revoked."""
    with cli_errors():
        found = tokens_of(org_by_slug(org_slug).id)
    for token in found:
        revoked = f"revoked {_when(token.revoked_at)}" if token.revoked_at else "active"
        click.echo(
            f"{token.id}\t{token.name or '(unnamed)'}\tcreated {_when(token.created_at)}"
            f"\tlast used {_when(token.last_used_at)}\t{revoked}"
        )
    if not found:
        click.echo("no tokens", err=True)


@tokens.command("revoke")
@click.option("--org", "org_slug", required=True, help="The org's slug.")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_token(org_slug, token_id):
    """Revoke a token at once: its next API call answers 401."""
    with cli_errors():
        token = token_services.revoke_token(org_by_slug(org_slug).id, token_id, actor="cli")
    click.echo(f"Revoked token {token.id} ({token.name or 'unnamed'}).")


@click.group("secrets")
def secrets():
    """Manage encryption of secrets at rest."""


@secrets.command("rotate")
@with_appcontext
def rotate():
    """Re-encrypt every stored secret under the first key of ENCRYPTION_KEYS."""
    click.echo(f"Re-encrypted {rotate_all()} secret values under the newest key.")


@click.command("demo")
@with_appcontext
def demo():
    """Load demo data connected to the PagerDuty sandbox (refused in production: the demo passwords are public)."""
    if is_production():
        raise click.ClickException(
            "The demo refuses to run in production: it creates users with published passwords. "
            "Create your org and users with `orgs create` and `users create`."
        )

    with cli_errors():
        for line in load_demo():
            click.echo(line)
